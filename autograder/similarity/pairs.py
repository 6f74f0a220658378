"""One score per pair of students, with its reasons: code evidence and answer evidence combined."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import answers, fingerprints, regions
from .answers import SharedAnswer
from .regions import Notebook

FLAGGED = 0.5  # a pair scoring this much gets a page and is listed for review
LISTED = 0.2  # a pair scoring this much is a row of similarity.csv


@dataclass
class Pair:
    assignment: str
    a: Notebook
    b: Notebook
    code: float  # in [0, 1]
    answer: float  # in [0, 1]
    answers: list[SharedAnswer] = field(default_factory=list)
    matched: tuple[set[tuple[int, int]], set[tuple[int, int]]] = (set(), set())  # (region, line) of a, of b

    @property
    def score(self) -> float:
        """Either evidence alone can flag a pair; together they add up."""
        return 1 - (1 - self.code) * (1 - self.answer)

    @property
    def flagged(self) -> bool:
        return self.score >= FLAGGED

    @property
    def page(self) -> str:
        """The pair page, relative to the output folder."""
        return f"similarity/{self.assignment}/{self.a.student}__{self.b.student}.html"

    def reasons(self) -> list[str]:
        said = []
        if self.code:
            said.append(
                f"code evidence {self.code:.2f}: {len(self.matched[0])} of their solution "
                "lines share fingerprints that few of the class hold"
            )
        unnamed = [s for s in self.answers if not s.named]
        if unnamed:
            said.append(
                f"the same wrong answer, that no catalogued mistake explains, on "
                f"{', '.join(sorted({s.check for s in unnamed}))}"
            )
        named = [s for s in self.answers if s.named]
        if named:
            said.append(
                f"the same catalogued mistake ({', '.join(sorted({m for s in named for m in s.named}))}) on "
                f"{', '.join(sorted({s.check for s in named}))}: weak evidence, a common misconception"
            )
        return said


@dataclass
class Analysis:
    """The report of a class: pairs worth a look (ranked), what could not be compared, the shared answers."""

    pairs: list[Pair]
    notebooks: dict[str, list[Notebook]]
    shared: list[SharedAnswer]
    examined: int  # pairs the index examined
    seconds: float
    answers_known: bool  # whether graded results gave answer evidence
    root: Path  # the course, whose notebooks say which solution cell each check checks

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.flagged]

    def problems(self) -> list[Notebook]:
        return [n for group in self.notebooks.values() for n in group if n.problem or n.note]


def analyse(submissions: list[tuple[Path, str, str | None]], records: list[dict], root: Path) -> Analysis:
    """``submissions``: (notebook, student, assignment it was handed in for, if known); ``records``: their graded
    results (may be empty: code evidence only)."""
    started = time.monotonic()
    by_assignment: dict[str, list[Notebook]] = defaultdict(list)
    for path, student, expected in submissions:
        notebook = regions.read(path, student, expected, root)
        by_assignment[notebook.assignment or ""].append(notebook)
    shared = answers.shared_answers(records)
    sharing = answers.by_pair(shared)
    pairs: list[Pair] = []
    examined = 0
    for assignment, notebooks in by_assignment.items():
        usable = [n for n in notebooks if not n.problem]
        common = fingerprints.boilerplate(
            [*regions.released(root, assignment).values(), *regions.reference(root, assignment).values()]
        )
        prints = [fingerprints.fingerprint(n, common) for n in usable]
        found = fingerprints.match(prints)
        examined += found.examined
        index = {n.student: i for i, n in enumerate(usable)}
        candidates = set(found.evidence)
        candidates |= {
            (min(index[a], index[b]), max(index[a], index[b]))
            for (a_id, a, b) in sharing
            if a_id == assignment and a in index and b in index
        }
        for i, j in candidates:
            a = usable[i]
            b = usable[j]
            first, second = sorted((a.student, b.student))
            key = (assignment, first, second)
            shared_here = sharing.get(key, [])
            hashes = found.shared.get((i, j), [])
            matched = ({w for h in hashes for w in prints[i].where[h]}, {w for h in hashes for w in prints[j].where[h]})
            pair = Pair(
                assignment, a, b, found.evidence.get((i, j), 0.0), answers.evidence(shared_here), shared_here, matched
            )
            if pair.score >= LISTED:
                pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, p.assignment, p.a.student, p.b.student))
    return Analysis(pairs, dict(by_assignment), shared, examined, time.monotonic() - started, bool(records), root)
