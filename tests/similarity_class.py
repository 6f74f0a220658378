"""A class of assignment 01 for the similarity report: honest students, disguised copies, shared wrong answers.

Test material (the tests and ``benchmarks/similarity.py`` build it). Students are notebooks a student would hand in
(:func:`samples.filled`), their solution cells replaced by cell (grade id -> source).
"""
from __future__ import annotations

import copy
import random
import re

import nbformat

from autograder import course

from . import samples
from .conftest import ROOT

A01 = "01_simplified_attention"

#: four students' own ways of writing some TO-DOs (each correct): the originals that others copy
OWN = {
    "ada": {
        "answer-04": "def attention_scores_loop(inputs, query):\n    n_tokens = inputs.shape[0]\n"
                     "    result = torch.empty(n_tokens)\n    idx = 0\n    while idx < n_tokens:\n"
                     "        result[idx] = (inputs[idx] * query).sum()\n        idx += 1\n    return result\n",
        "answer-22": "def context_vector_loop(inputs, attn_weights):\n    total = torch.zeros_like(inputs[0])\n"
                     "    weighted = [w * row for w, row in zip(attn_weights, inputs)]\n    for term in weighted:\n"
                     "        total = total + term\n    return total\n",
        "answer-14": "def softmax_naive(scores):\n    exps = torch.exp(scores)\n    denom = exps.sum(dim=0)\n"
                     "    return exps / denom\n",
    },
    "bea": {
        "answer-28": "def all_attention_scores(inputs):\n    keys = inputs.clone()\n    queries = inputs.clone()\n"
                     "    scale = 1.0\n    return torch.matmul(queries, keys.t()) * scale\n",
        "answer-31": "def all_attention_weights(attn_scores):\n"
                     "    top = attn_scores.max(dim=-1, keepdim=True).values\n    shifted = attn_scores - top\n"
                     "    weights = torch.softmax(shifted, dim=-1)\n    return weights\n",
    },
    "cyd": {
        "answer-08": "def attention_scores_matmul(inputs, query):\n    column = query.unsqueeze(1)\n"
                     "    product = torch.matmul(inputs, column)\n    return product.squeeze(1)\n",
        "answer-25": "def context_vector(inputs, attn_weights):\n    weights_col = attn_weights.unsqueeze(-1)\n"
                     "    scaled = weights_col * inputs\n    return scaled.sum(dim=0)\n",
        "answer-36": "def all_context_vectors(attn_weights, inputs):\n"
                     "    out = torch.einsum('ij,jd->id', attn_weights, inputs)\n    return out\n",
    },
    "dan": {
        "answer-11": "def normalize_by_sum(scores):\n    denominator = torch.sum(scores, dim=0)\n"
                     "    return torch.div(scores, denominator)\n",
        "answer-36": "def all_context_vectors(attn_weights, inputs):\n"
                     "    rows = [sum(w * row for w, row in zip(weights_row, inputs))\n"
                     "            for weights_row in attn_weights]\n"
                     "    return torch.stack(rows)\n",
    },
}


def renamed(source: str) -> str:
    """Every variable renamed (function names kept)."""
    names = {"n_tokens": "count", "result": "scores_out", "idx": "k", "total": "acc", "weighted": "parts",
             "term": "piece", "exps": "e", "denom": "z", "w": "weight", "row": "vec", "denominator": "s",
             "rows": "outs", "weights_row": "wr"}
    return re.sub(r"\b\w+\b", lambda m: names.get(m.group(0), m.group(0)), source)


def reformatted(source: str) -> str:
    """Other spacing, line breaks, a docstring and comments."""
    lines = source.splitlines()
    body = [lines[0], '    """My own solution."""'] + [f"{line}  # step {i}" for i, line in enumerate(lines[1:])]
    return "\n".join(body).replace(" = ", "=").replace(", ", " ,  ") + "\n\n# done\n"


def reordered_with_dead_line(source: str) -> str:
    """Independent statements in another order, and a line that does nothing."""
    lines = source.splitlines()
    if lines[1].strip().startswith("keys") and lines[2].strip().startswith("queries"):
        lines[1], lines[2], lines[3] = lines[3], lines[2], lines[1]
    return "\n".join([lines[0], "    unused = 0", *lines[1:]]) + "\n"


def respelled(source: str) -> str:
    """``@`` for ``torch.matmul``, ``F.softmax`` for ``torch.softmax``, ``.T`` for ``.t()``."""
    source = re.sub(r"torch\.matmul\((\w+), (\w+(?:\.t\(\))?)\)", r"\1 @ \2", source)
    return source.replace("torch.softmax(", "torch.nn.functional.softmax(").replace(".t()", ".T")


def student(cells: dict[str, str], mutation: samples.Mutation | None = None) -> nbformat.NotebookNode:
    """The notebook handed in: the reference (or a sample mistake), with these solution cells."""
    notebook = copy.deepcopy(samples.filled(ROOT, A01, mutation))
    for cell in notebook.cells:
        grade_id = course.nbgrader_meta(cell).get("grade_id")
        if grade_id in cells:
            cell.source = cells[grade_id]
    return notebook


def mutations() -> dict[str, samples.Mutation]:
    return {m.name: m for m in samples.all_mutations() if m.assignment == A01}


#: two different codes for one wrong answer no catalogued mistake explains (scores doubled before the softmax)
UNCATALOGUED = ({"answer-19": "def attention_weights(scores):\n    return torch.softmax(2 * scores, dim=-1)\n"},
                {"answer-19": "def attention_weights(scores):\n    doubled = scores + scores\n"
                              "    e = torch.exp(doubled - doubled.max())\n    return e / e.sum()\n"})
#: two different codes for one catalogued mistake (softmax down the columns)
CATALOGUED = ({"answer-31": "def all_attention_weights(attn_scores):\n    return attn_scores.softmax(0)\n"},
              {"answer-31": "def all_attention_weights(attn_scores):\n    e = torch.exp(attn_scores)\n"
                            "    return e / e.sum(dim=0, keepdim=True)\n"})


def classroom() -> tuple[dict[str, nbformat.NotebookNode], set[frozenset[str]]]:
    """The class (student -> notebook) and the pairs that copied."""
    found = mutations()
    notebooks = {f"honest{i}": student({}) for i in range(4)}
    notebooks.update({f"sample_{name}": student({}, m) for name, m in found.items()})
    notebooks.update({name: student(cells) for name, cells in OWN.items()})
    notebooks["ada_renamed"] = student({g: renamed(s) for g, s in OWN["ada"].items()})
    notebooks["ada_reformatted"] = student({g: reformatted(s) for g, s in OWN["ada"].items()})
    notebooks["bea_reordered"] = student({g: reordered_with_dead_line(s) for g, s in OWN["bea"].items()})
    notebooks["cyd_respelled"] = student({g: respelled(s) for g, s in OWN["cyd"].items()})
    notebooks["dan_renamed"] = student({g: reordered_with_dead_line(renamed(s)) for g, s in OWN["dan"].items()})
    for kind, pair in (("uncatalogued", UNCATALOGUED), ("catalogued", CATALOGUED)):
        notebooks.update({f"{kind}_{number}": student(cells) for number, cells in enumerate(pair, 1)})
    copied = {frozenset(p) for p in [("ada", "ada_renamed"), ("ada", "ada_reformatted"),
                                     ("ada_renamed", "ada_reformatted"), ("bea", "bea_reordered"),
                                     ("cyd", "cyd_respelled"), ("dan", "dan_renamed")]}
    return notebooks, copied


DISGUISES = (renamed, reformatted, reordered_with_dead_line, respelled)


def large_class(size: int, seed: int = 0) -> dict[str, nbformat.NotebookNode]:
    """``size`` notebooks for the benchmark: sample submissions and the three originals, each with a random
    disguise on a random subset of its cells."""
    chance = random.Random(seed)
    bases = [({}, None)] + [({}, m) for m in mutations().values()] + [(cells, None) for cells in OWN.values()]
    notebooks = {}
    for number in range(size):
        cells, mutation = chance.choice(bases)
        disguise = chance.choice(DISGUISES)
        notebooks[f"s{number:04d}"] = student({g: disguise(s) for g, s in cells.items() if chance.random() < 0.7},
                                              mutation)
    return notebooks
