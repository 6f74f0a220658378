"""Code evidence: winnowed fingerprints of the normalised solution regions, and an inverted index over a class.

The winnowing (the minimum hash of each window of k-grams kept: MOSS's method) is copydetect's. The k-grams are
k-grams of the normalised tokens, hashed here with a stable hash (copydetect's own uses Python's ``hash``, which
changes from run to run, and so would the fingerprints winnowing keeps, and a pair's score). The index maps each
fingerprint to the students who hold it, so only pairs that share a fingerprint are ever examined: a class of
hundreds is not compared pair by pair. A fingerprint of the given code or of the reference solution is removed;
one held by many students of the class is the common solution, discounted, and ignored past a share of the class.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .normalise import tokens
from .regions import Notebook

K = 5  # tokens in a k-gram
WINDOW = 4  # k-grams in a winnowing window: a match of K + WINDOW - 1 tokens is always seen
COMMON_SHARE = 0.1  # a fingerprint held by more than this share of the class (and more than COMMON_MIN) is ignored
COMMON_MIN = 3
SMOOTH = 4.0  # fingerprints' worth added to the smaller student's total in a cell: a few shared ones are not a copy
CELLS = 2.0  # cells of rare shared code that make a pair's code evidence certain: one cell alone never flags a pair
CELL_BREAK = "\x00"


@dataclass
class Prints:
    """One notebook's fingerprints: hash -> where they start, as (region index, source line); hash -> its cell."""

    where: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    cell: dict[int, str] = field(default_factory=dict)


def document(notebook: Notebook) -> tuple[list[str], list[tuple[int, int]]]:
    """The notebook's tokens, and each one's (region index, line); a cell break is line 0."""
    texts: list[str] = []
    origin: list[tuple[int, int]] = []
    for index, region in enumerate(notebook.regions):
        texts += [t.text for t in region.tokens] + [CELL_BREAK]
        origin += [(index, t.line) for t in region.tokens] + [(index, 0)]
    return texts, origin


def kgram_hashes(texts: list[str]) -> list[int]:
    """A stable 63-bit hash of each k-gram of tokens: the same in every run."""
    return [
        int.from_bytes(hashlib.blake2b("\x1f".join(texts[i : i + K]).encode(), digest_size=8).digest(), "little") >> 1
        for i in range(len(texts) - K + 1)
    ]


def boilerplate(sources: list[str]) -> set[int]:
    """Every k-gram of the given code and the reference solution: not evidence of anything."""
    return {h for s in sources if s for h in kgram_hashes([t.text for t in tokens(s)])}


def fingerprint(notebook: Notebook, common: set[int]) -> Prints:
    """The winnowed fingerprints, less the common ones."""
    from copydetect.utils import winnow  # copydetect's package imports pyplot: only when a report is made

    texts, origin = document(notebook)
    if len(texts) < K:
        return Prints()
    kept, starts = winnow(np.array(kgram_hashes(texts), dtype=np.int64), window_size=WINDOW, remove_duplicates=False)
    positions: dict[int, list[int]] = defaultdict(list)
    for hashed, start in zip(kept, starts, strict=True):
        positions[int(hashed)].append(int(start))
    found = Prints()
    for hashed, at in positions.items():
        within = [s for s in at if all(origin[s + offset][1] for offset in range(K))]  # not across cells
        if within and hashed not in common:
            found.where[hashed] = sorted({origin[s + offset] for s in within for offset in range(K)})
            found.cell[hashed] = notebook.regions[origin[within[0]][0]].cell_id
    return found


@dataclass
class CodeMatches:
    """What the index found in one assignment's class."""

    evidence: dict[tuple[int, int], float]  # (i, j), i < j -> code evidence in [0, 1]
    shared: dict[tuple[int, int], list[int]]  # the fingerprints each examined pair shares
    examined: int  # pairs that share at least one fingerprint


def match(prints: list[Prints]) -> CodeMatches:
    """Pairs sharing fingerprints, through the inverted index, each weighted by how rare it is in the class; a
    pair's evidence adds up cell by cell, so that it takes rare code shared in several cells (two students who
    happen to write one TO-DO the same way are not a copy)."""
    holders: dict[int, list[int]] = defaultdict(list)
    for student, p in enumerate(prints):
        for hashed in p.where:
            holders[hashed].append(student)
    size = len(prints)
    cap = max(COMMON_MIN, COMMON_SHARE * size)
    weight = {h: rarity(len(who)) for h, who in holders.items() if len(who) <= cap}
    mass: list[dict[str, float]] = [defaultdict(float) for _ in prints]
    for student, p in enumerate(prints):
        for hashed in p.where:
            mass[student][p.cell[hashed]] += weight.get(hashed, 0.0)
    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for hashed in weight:
        who = holders[hashed]
        for i, a in enumerate(who):
            for b in who[i + 1 :]:
                shared[(a, b)].append(hashed)
    evidence = {pair: cell_evidence(prints, mass, pair, hashes, weight) for pair, hashes in shared.items()}
    return CodeMatches(evidence, dict(shared), len(shared))


def cell_evidence(
    prints: list[Prints],
    mass: list[dict[str, float]],
    pair: tuple[int, int],
    hashes: list[int],
    weight: dict[int, float],
) -> float:
    """In [0, 1]: each cell's share of rare code the two hold in common (of the smaller one's), summed over cells."""
    first, second = pair
    by_cell: dict[str, float] = defaultdict(float)
    for hashed in hashes:
        by_cell[prints[first].cell[hashed]] += weight[hashed]
    total = 0.0
    for cell, common in by_cell.items():
        total += min(1.0, common / (min(mass[first][cell], mass[second][cell]) + SMOOTH))
    return min(1.0, total / CELLS)


def rarity(holders: int) -> float:
    """1 for a fingerprint two students share, falling with the square of its holders: the chance that two
    students who wrote it independently meet grows like that."""
    return (2 / holders) ** 2
