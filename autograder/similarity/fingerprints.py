"""Code evidence: winnowed fingerprints of the normalised solution regions, and an inverted index over a class.

The winnowing (k-grams hashed, the minimum of each window kept: MOSS's method) is copydetect's. Tokens are
mapped to one character each, so that copydetect's character k-grams are k-grams of tokens. The index maps each
fingerprint to the students who hold it, so only pairs that share a fingerprint are ever examined: a class of
hundreds is not compared pair by pair. A fingerprint of the given code or of the reference solution is removed;
one held by many students of the class is the common solution, discounted, and ignored past a share of the class.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from .normalise import tokens
from .regions import Notebook

K = 5  # tokens in a k-gram
WINDOW = 4  # k-grams in a winnowing window: a match of K + WINDOW - 1 tokens is always seen
COMMON_SHARE = 0.1  # a fingerprint held by more than this share of the class (and more than COMMON_MIN) is ignored
COMMON_MIN = 3
SMOOTH = 4.0  # fingerprints' worth added to the smaller student's total: a few shared ones are not a copy
CELL_BREAK = "\x00"


class Alphabet:
    """One character per distinct token, shared by every notebook of a run."""

    def __init__(self):
        self.chars: dict[str, str] = {}

    def encode(self, texts: list[str]) -> str:
        return "".join(self.chars.setdefault(t, chr(0xF0000 + len(self.chars))) for t in texts)


@dataclass
class Prints:
    """One notebook's fingerprints: hash -> where they start, as (region index, source line)."""

    where: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def document(notebook: Notebook, alphabet: Alphabet) -> tuple[str, list[tuple[int, int]]]:
    """The notebook's tokens as one string, and each character's (region index, line); a cell break is line 0."""
    texts: list[str] = []
    origin: list[tuple[int, int]] = []
    for index, region in enumerate(notebook.regions):
        texts += [t.text for t in region.tokens] + [CELL_BREAK]
        origin += [(index, t.line) for t in region.tokens] + [(index, 0)]
    return alphabet.encode(texts), origin


def boilerplate(sources: list[str], alphabet: Alphabet) -> set[int]:
    """Every k-gram of the given code and the reference solution: not evidence of anything."""
    from copydetect.utils import hashed_kgrams  # copydetect's package imports pyplot: only when a report is made

    return {int(h) for s in sources if s for h in hashed_kgrams(alphabet.encode([t.text for t in tokens(s)]), K)}


def fingerprint(notebook: Notebook, alphabet: Alphabet, common: set[int]) -> Prints:
    """The winnowed fingerprints, less the common ones (removed here: copydetect's own removal assumes the
    winnowed hashes are unique, and they are not)."""
    from copydetect.utils import get_document_fingerprints

    doc, origin = document(notebook, alphabet)
    if len(doc) < K:
        return Prints()
    _, positions = get_document_fingerprints(doc, K, WINDOW)
    where = {}
    for hashed, starts in positions.items():
        within = [s for s in starts if all(origin[s + offset][1] for offset in range(K))]  # not across cells
        if within and int(hashed) not in common:
            where[int(hashed)] = sorted({origin[s + offset] for s in within for offset in range(K)})
    return Prints(where)


@dataclass
class CodeMatches:
    """What the index found in one assignment's class."""

    evidence: dict[tuple[int, int], float]  # (i, j), i < j -> code evidence in [0, 1]
    shared: dict[tuple[int, int], list[int]]  # the fingerprints each examined pair shares
    examined: int  # pairs that share at least one fingerprint


def match(prints: list[Prints]) -> CodeMatches:
    """Pairs sharing fingerprints, through the inverted index, each weighted by how rare it is in the class."""
    holders: dict[int, list[int]] = defaultdict(list)
    for student, p in enumerate(prints):
        for hashed in p.where:
            holders[hashed].append(student)
    size = len(prints)
    cap = max(COMMON_MIN, COMMON_SHARE * size)
    weight = {h: rarity(len(who), size) for h, who in holders.items() if len(who) <= cap}
    mass = [sum(weight.get(h, 0.0) for h in p.where) for p in prints]
    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for hashed in weight:
        who = holders[hashed]
        for i, a in enumerate(who):
            for b in who[i + 1:]:
                shared[(a, b)].append(hashed)
    evidence = {pair: min(1.0, sum(weight[h] for h in hashes) / (min(mass[pair[0]], mass[pair[1]]) + SMOOTH))
                for pair, hashes in shared.items()}
    return CodeMatches(evidence, dict(shared), len(shared))


def rarity(holders: int, size: int) -> float:
    """1 for a fingerprint two students share, less the more students hold it (an inverse document frequency)."""
    return min(1.0, math.log(1 + size / holders) / math.log(1 + size / 2))
