"""Answer evidence: the wrong answers the grader recorded, grouped over a class.

For each check a submission fails with numbers, the grader records a digest of those numbers rounded to the
check's tolerance (``extra_data.answer`` of the test in the result record: Gradescope's field for a test's own
data) and whether a catalogued mistake was named
(its ``tags``). Students who return the same wrong numbers on the hidden checks' fresh inputs are rarer than
students who write the same right code: a shared wrong answer that no catalogued mistake explains is strong
evidence; one the catalogue names is a common misconception, shared honestly, so it is weak evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

UNNAMED = 0.6  # strength of one wrong answer two students share that no catalogued mistake explains
NAMED = 0.1  # the same when a catalogued mistake explains it


@dataclass
class SharedAnswer:
    """Students of one assignment who returned the same wrong numbers on one check."""

    assignment: str
    check: str
    digest: str
    students: list[str]
    named: list[str]  # the catalogued mistakes named for it (empty: none explains it)

    @property
    def strength(self) -> float:
        """What sharing it says of one pair: less the more students share it (a misconception of the class)."""
        return (NAMED if self.named else UNNAMED) * min(1.0, 2 / len(self.students))


def shared_answers(records: list[dict]) -> list[SharedAnswer]:
    """Every wrong answer (check, digest) that two or more students of an assignment returned."""
    groups: dict[tuple[str, str, str], list[tuple[str, list[str]]]] = defaultdict(list)
    for record in records:
        for test in record.get("tests", []):
            answer = (test.get("extra_data") or {}).get("answer")
            if answer and test.get("score", 0) < test.get("max_score", 0):
                key = (record.get("assignment") or "", test["name"], answer)
                groups[key].append((record["student"], list(test.get("tags", []))))
    found = []
    for (assignment, check, digest), who in groups.items():
        students = sorted({student for student, _ in who})
        if len(students) > 1:
            named = sorted({tag for _, tags in who for tag in tags})
            found.append(SharedAnswer(assignment, check, digest, students, named))
    return sorted(found, key=lambda s: (s.assignment, -len(s.students), s.check))


def by_pair(shared: list[SharedAnswer]) -> dict[tuple[str, str, str], list[SharedAnswer]]:
    """(assignment, student a, student b), a < b -> the wrong answers they share."""
    pairs: dict[tuple[str, str, str], list[SharedAnswer]] = defaultdict(list)
    for answer in shared:
        for i, a in enumerate(answer.students):
            for b in answer.students[i + 1 :]:
                pairs[(answer.assignment, a, b)].append(answer)
    return pairs


def evidence(answers: list[SharedAnswer]) -> float:
    """In [0, 1]: each shared wrong answer is independent evidence."""
    doubt = 1.0
    for answer in answers:
        doubt *= 1 - answer.strength
    return 1 - doubt


def unnamed(shared: list[SharedAnswer], assignment: str) -> list[SharedAnswer]:
    """The re-teach list: wrong answers several students share and no catalogued mistake explains."""
    return [s for s in shared if s.assignment == assignment and not s.named]
