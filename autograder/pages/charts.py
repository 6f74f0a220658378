"""The class report's plots: PNGs embedded as data URIs, drawn for print (hatching, markers and numbers, not
colour alone), so the page reads offline, on paper or attached to an email."""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(scores: list[float], max_score: float) -> str:
    """Notebooks per score, each bar labelled with its count; full marks is a dashed line right of its bar."""
    figure = Figure(figsize=(7.5, 3.2), layout="constrained")
    axes = figure.subplots()
    width = max(1.0, max_score / 25)  # one bar per point, or 25 bars for long assignments
    bins = [-width / 2 + i * width for i in range(int(max_score / width) + 2)]
    counts, edges, _ = axes.hist(scores, bins=bins, facecolor="#d0d0d0", edgecolor="black", hatch="///")
    for count, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
        if count:
            axes.text((left + right) / 2, float(count), f"{count:g}", ha="center", va="bottom")
    top = float(max(counts)) * 1.25
    axes.axvline(edges[-1], color="black", linestyle="--", linewidth=1.5)
    axes.text(edges[-1], top * 0.97, f"full marks: {max_score:g} points ", ha="right", va="top")
    axes.set_ylim(0, top)
    axes.set_xlim(edges[0] - width / 2, edges[-1] + width / 2)
    axes.set_xlabel(f"score (points out of {max_score:g})")
    axes.set_ylabel("notebooks")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(int(max_score), 20)))
    return _png(figure)


def pass_rate_chart(rows: list[tuple[str, bool, int, int]]) -> str:
    """(label, hidden, passed, total) per check, top to bottom in notebook order; percentages and counts written."""
    figure = Figure(figsize=(9, 0.9 + 0.3 * len(rows)), layout="constrained")
    axes = figure.subplots()
    for y, (_, hidden, passed, total) in enumerate(rows):
        share = 100 * passed / total if total else 0
        axes.barh(
            y,
            share,
            height=0.7,
            facecolor="#a0a0a0" if hidden else "white",
            edgecolor="black",
            hatch="..." if hidden else "///",
        )
        axes.text(share + 1, y, f"{share:.0f}%  ({passed}/{total})", va="center", fontsize=8)
        if y and not hidden:
            axes.axhline(y - 0.5, color="black", linewidth=0.5)
    axes.set_yticks(
        range(len(rows)), [f"hidden: {label}" if hidden else label for label, hidden, _, _ in rows], fontsize=8
    )
    axes.invert_yaxis()
    axes.set_xlim(0, 125)
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel("graded notebooks that passed the check (%)")
    axes.legend(
        handles=[
            Patch(facecolor="white", edgecolor="black", hatch="///", label="public check"),
            Patch(facecolor="#a0a0a0", edgecolor="black", hatch="...", label="hidden check"),
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1),
        ncols=2,
        fontsize=8,
        frameon=False,
    )
    return _png(figure)
