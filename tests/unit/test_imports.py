"""The package's import graph, built from the source: no cycle anywhere (imports at module level and inside
functions alike), and an assignment's checks import the authoring API and their own references and worked values
only (docs/customizing.md), so that the engine can change without touching an assignment."""

from __future__ import annotations

import ast
from pathlib import Path

import autograder

KIT = Path(autograder.__file__).resolve().parent
PACKAGE = KIT.name


def module_names() -> dict[str, Path]:
    """Dotted name -> file, for every module of the package (a package is its ``__init__.py``)."""
    names = {}
    for path in sorted(KIT.rglob("*.py")):
        parts = path.relative_to(KIT.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


MODULES = module_names()


def ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


def runtime_nodes(tree: ast.AST):
    """Every node of the tree but those under ``if TYPE_CHECKING:`` (imports for the type checker, never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *runtime_nodes(child)])
            continue
        yield node
        yield from runtime_nodes(node)


def imports_of(name: str) -> set[str]:
    """The package's modules that importing ``name`` runs: each one named by an import (at any depth of the file),
    and the packages that hold them, except the packages that hold ``name`` (already being imported)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    named = set()
    for node in runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            target = ".".join(part for part in (base, node.module) if part)
            submodules = {f"{target}.{alias.name}" for alias in node.names} & set(MODULES)
            named |= submodules
            if target not in ancestors(name) or len(submodules) < len(node.names):  # names the package defines
                named.add(target)
    found = set()
    for target in named & set(MODULES):
        found |= {target, *(ancestors(target) - ancestors(name) - {name})}
    return (found & set(MODULES)) - {name}


def graph() -> dict[str, set[str]]:
    return {name: imports_of(name) for name in MODULES}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as the list of its modules (the first repeated at the end), or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_a_cycle_is_found_and_named():
    """The finder itself: a cycle through three modules is named in order, a graph without one passes."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    edges = graph()
    assert f"{PACKAGE}.build" in edges[f"{PACKAGE}.commands"], "commands imports build inside a function"
    assert f"{PACKAGE}.mistakes.engine" in edges[f"{PACKAGE}.mistakes"]
    assert f"{PACKAGE}.checker.comparison" in edges[f"{PACKAGE}.mistakes.engine"], (
        "from ..checker.comparison import ..."
    )


def test_assignments_import_only_the_authoring_api_and_their_own_references_and_worked_values():
    edges = graph()
    folder = f"{PACKAGE}.assignments"
    for name in sorted(n for n in MODULES if n.startswith(f"{folder}.")):
        own = name.rpartition(".")[2]
        allowed = {
            PACKAGE,
            f"{PACKAGE}.authoring",
            f"{PACKAGE}.references",
            f"{PACKAGE}.references.{own}",
            f"{PACKAGE}.worked_values",
            f"{PACKAGE}.worked_values.{own}",
            folder,
        }
        assert edges[name] <= allowed, f"{name} imports {sorted(edges[name] - allowed)}: import them from authoring"


def test_references_and_worked_values_import_no_checks():
    """They hold what the checks compare with; the checks import them, never the other way round."""
    edges = graph()
    for name in sorted(n for n in MODULES if n.split(".")[1:2] in (["references"], ["worked_values"])):
        kit_parts = {target.split(".")[1] for target in edges[name] if "." in target}
        assert kit_parts <= {"authoring", "references", "worked_values"}, f"{name} imports {sorted(edges[name])}"
