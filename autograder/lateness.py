"""The late rule applied to a score: how late a submission is, what it costs, and why.

Both doors compute a penalty here: ``attention-kit grade`` for each result, and nbgrader's late-submission
plugin (:mod:`autograder.nbgrader_late`) during ``nbgrader autograde``, so the two give the same final score.
A penalty is always computed from the raw score (the checks' points), never from a score already penalised:
changing a due date or an extension and rerunning recomputes it, and :func:`changes` says what moved.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .policy import UNITS, Extension, LateRule, Policy

PENALTY_CHECK = "late penalty"  # the "check" a moved penalty is listed under in changes.csv


@dataclass(frozen=True)
class Lateness:
    due: dt.datetime  # the student's due date, extension included
    submitted: dt.datetime | None  # None: no time known, taken as on time
    extension: Extension | None
    seconds_late: float
    percent: float  # of the earned points taken
    accepted: bool

    def penalty(self, raw_score: float) -> float:
        return round(raw_score * self.percent / 100, 6)

    def why(self) -> str:
        """One line for grades.csv and the report: due, submitted, extension, how late, what it cost."""
        due = f"due {self.due.isoformat(timespec='minutes')}"
        if self.extension is not None:
            due += f" (extended{': ' + self.extension.reason if self.extension.reason else ''})"
        if self.submitted is None:
            return f"{due}; no submission time known: taken as on time"
        submitted = f"submitted {self.submitted.isoformat(timespec='seconds')}"
        if self.seconds_late <= 0:
            return f"{due}; {submitted}: on time"
        late = f"{due}; {submitted}: {describe(self.seconds_late)} late"
        if not self.accepted:
            return f"{late}, not accepted (all points)"
        return f"{late}, {self.percent:g}% of the points" if self.percent else f"{late}, within the grace period"

    def record(self, raw_score: float) -> dict:
        """What a result keeps of it (JSON)."""
        return {
            "due": self.due.isoformat(),
            "submitted": self.submitted.isoformat() if self.submitted else None,
            "extension": _extension_record(self.extension),
            "seconds_late": self.seconds_late,
            "percent": self.percent,
            "accepted": self.accepted,
            "penalty": self.penalty(raw_score),
            "why": self.why(),
        }


def assess(policy: Policy, student: str, assignment_id: str | None, submitted: dt.datetime | None) -> Lateness | None:
    """How late ``student``'s ``assignment_id`` is under ``policy``; None when the assignment has no due date."""
    if assignment_id is None:
        return None
    due, extension = policy.due(student, assignment_id)
    if due is None:
        return None
    seconds_late = max(0.0, (submitted - due).total_seconds()) if submitted is not None else 0.0
    percent, accepted = penalty_percent(policy.assignments[assignment_id].late, seconds_late)
    return Lateness(due, submitted, extension, seconds_late, percent, accepted)


def penalty_percent(rule: LateRule, seconds_late: float) -> tuple[float, bool]:
    """(percent of the earned points taken, whether it is accepted) for work ``seconds_late`` after its due date.
    The grace period forgives; it does not move the due date: 20 minutes late with 15 minutes' grace is one
    started day (or hour)."""
    if seconds_late <= rule.grace_minutes * 60:
        return 0.0, True
    if rule.not_accepted_after_days is not None and seconds_late > rule.not_accepted_after_days * 86400:
        return 100.0, False
    started = math.ceil(seconds_late / UNITS[rule.per])
    return min(started * rule.penalty_percent, rule.max_penalty_percent), True


def settle(result: dict, lateness: Lateness | None) -> bool:
    """Set a result's ``raw_score``, ``late_penalty``, ``score`` (raw less penalty) and ``lateness`` from its raw
    score; returns whether any of them changed. When the penalty moved, the earlier lateness is kept under
    ``lateness.previous`` for :func:`changes`."""
    before = {key: result.get(key) for key in ("raw_score", "late_penalty", "score", "lateness")}
    raw = result.get("raw_score", result["score"])
    record = lateness.record(raw) if lateness is not None else None
    earlier = before["lateness"] or None
    if record is not None and earlier is not None:
        settled = {key: value for key, value in earlier.items() if key != "previous"}
        if settled.get("penalty") != record["penalty"]:
            record["previous"] = settled
        elif earlier.get("previous"):
            record["previous"] = earlier["previous"]
    penalty = record["penalty"] if record else 0.0
    result.update(raw_score=raw, late_penalty=penalty, score=round(raw - penalty, 6), lateness=record)
    return {key: result.get(key) for key in before} != before


def changes(results: list[dict]) -> list[dict]:
    """changes.csv rows (``ledger.CHANGE_FIELDS``) for every penalty that moved since the last run: points as what
    the penalty did to the score."""
    rows = []
    for result in results:
        record = result.get("lateness") or {}
        previous = record.get("previous")
        if previous:
            rows.append(
                {
                    "student": result["student"],
                    "assignment": result["assignment"],
                    "check": PENALTY_CHECK,
                    "old_points": -previous["penalty"],
                    "new_points": -record["penalty"],
                    "old_message": previous["why"],
                    "new_message": record["why"],
                }
            )
    return rows


def describe(seconds: float) -> str:
    """``2 d 3 h``, ``5 h 10 min``, ``12 min``: how late, in the units a person reads."""
    minutes = math.ceil(seconds / 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _extension_record(extension: Extension | None) -> dict | None:
    if extension is None:
        return None
    return {
        "due": extension.due.isoformat() if extension.due else None,
        "hours": extension.hours,
        "reason": extension.reason,
    }
