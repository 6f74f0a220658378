"""The worked example values of the course material, one module per assignment.

Every number here is printed in a seed notebook (``shared/seeds/``); each constant
cites the seed and the cell it comes from. Checks compare with these constants
only: no expected number is written anywhere else.
"""
