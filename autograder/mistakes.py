"""The catalog of named mistakes: what a wrong answer most likely came from.

A mistake is claimed only on evidence: the student's numbers match what the
known-wrong variant of the reference produces on the very same inputs (and that
variant differs from the right answer there), or a recorded warning shows it.
Otherwise the check just says what differs. Each entry lists the checks (grade
ids) it applies to, with how to detect it there; the README's table is generated
from this module (``attention-kit mistakes``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

Detector = Callable[["Evidence"], bool]


@dataclass
class Evidence:
    """What a check knows when an answer is wrong."""

    got: torch.Tensor
    expected: torch.Tensor
    case: dict
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mistake:
    id: str
    title: str
    explanation: str
    fix: str
    detectors: dict[str, Detector]

    @property
    def checks(self) -> list[str]:
        return list(self.detectors)


def variant(wrong_answer: Callable[..., torch.Tensor], atol: float = 1e-4) -> Detector:
    """Detect a mistake by recomputing the wrong answer from the check's inputs."""

    def detect(evidence: Evidence) -> bool:
        try:
            wrong = wrong_answer(**evidence.case).to(torch.float64)
        except (RuntimeError, TypeError, KeyError, IndexError, ValueError):
            return False  # this variant cannot even be computed on these inputs
        if wrong.shape != evidence.got.shape or wrong.shape != evidence.expected.shape:
            return False
        if torch.allclose(wrong, evidence.expected, atol=atol, equal_nan=True):
            return False  # on these inputs the mistake gives the right answer: no evidence
        return bool(torch.allclose(evidence.got, wrong, atol=atol, equal_nan=True))

    return detect


def for_checks(*grade_ids: str, detector: Detector) -> dict[str, Detector]:
    return {grade_id: detector for grade_id in grade_ids}


def _rows_normalised_by_sum(scores: torch.Tensor) -> torch.Tensor:
    return scores / scores.sum(dim=-1, keepdim=True)


def _naive_softmax(scores: torch.Tensor) -> torch.Tensor:
    return torch.exp(scores) / torch.exp(scores).sum(dim=-1, keepdim=True)


def _overflowed(evidence: Evidence) -> bool:
    """Non-finite weights where a naive exp/sum overflows on the same scores."""
    naive = _naive_softmax(evidence.case["scores"])
    return bool(torch.isfinite(evidence.expected).all() and not torch.isfinite(naive).all()
                and not torch.isfinite(evidence.got).all())


def _accumulated_into_uninitialised(evidence: Evidence) -> bool:
    from .probes import UNINITIALISED

    return bool(torch.allclose(evidence.got - evidence.expected,
                               torch.full_like(evidence.got, UNINITIALISED), atol=1e-2))


CATALOG: list[Mistake] = [
    Mistake(
        "softmax_dim0",
        "softmax over dimension 0",
        "You applied softmax down each column (dim=0), so every column sums to 1 instead of every row. "
        "Row i holds the weights of query i, so it is the rows that must sum to 1.",
        "Use torch.softmax(scores, dim=-1) (the last dimension: across each row).",
        for_checks("all_weights", "all_weights_hidden", detector=variant(lambda scores: torch.softmax(scores, dim=0))),
    ),
    Mistake(
        "sum_instead_of_softmax",
        "normalised by the sum instead of softmax",
        "You divided the scores by their sum. That also gives weights that add up to 1, but it is not softmax: "
        "softmax exponentiates first, which makes every weight positive and favours the largest scores.",
        "Use torch.softmax(scores, dim=-1), or exp(scores) divided by the sum of exp(scores).",
        for_checks("softmax_naive", "softmax_naive_hidden", "softmax_torch", "softmax_torch_hidden",
                   "all_weights", "all_weights_hidden", detector=variant(_rows_normalised_by_sum)),
    ),
    Mistake(
        "softmax_instead_of_sum",
        "softmax where the step asks for the sum",
        "This step asks for the simplest normalisation, each score divided by the sum of all scores; "
        "you used softmax, which exponentiates first.",
        "Return scores / scores.sum().",
        for_checks("normalize_by_sum", "normalize_by_sum_hidden",
                   detector=variant(lambda scores: torch.softmax(scores, dim=-1))),
    ),
    Mistake(
        "naive_softmax_overflow",
        "naive softmax overflows on large scores",
        "exp(x) of a large score (about 89 or more in float32) is inf, and inf / inf is nan: a hand-written "
        "exp(x) / sum(exp(x)) breaks exactly where torch.softmax does not (it subtracts the maximum first).",
        "Use torch.softmax(scores, dim=-1), or subtract scores.max() before exponentiating.",
        for_checks("softmax_torch_hidden", "all_weights_hidden", detector=_overflowed),
    ),
    Mistake(
        "empty_accumulator",
        "context vector accumulated into torch.empty",
        "torch.empty returns uninitialised memory: whatever bytes were there before. Adding the weighted inputs "
        "to it gives a right answer only when that memory happens to be zero.",
        "Start the sum from torch.zeros(...) (or torch.zeros_like(inputs[0])).",
        for_checks("context_loop", "context_loop_hidden", detector=_accumulated_into_uninitialised),
    ),
]

BY_ID: dict[str, Mistake] = {m.id: m for m in CATALOG}


def diagnose(grade_id: str, got: torch.Tensor, expected: torch.Tensor, case: dict,
             warnings: list[str] | None = None) -> list[Mistake]:
    """The catalog entries whose evidence the student's answer matches on this check."""
    evidence = Evidence(got.to(torch.float64), expected.to(torch.float64),
                        {k: v for k, v in case.items()}, list(warnings or []))
    return [m for m in CATALOG if grade_id in m.detectors and _safely(m.detectors[grade_id], evidence)]


def _safely(detector: Detector, evidence: Evidence) -> bool:
    try:
        return bool(detector(evidence))
    except (RuntimeError, TypeError, KeyError, IndexError, ValueError):
        return False  # shapes too far from the reference to compare: no evidence
