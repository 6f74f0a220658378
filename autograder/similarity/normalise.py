"""A solution cell as the tokens that stay the same when a copy is disguised.

Parsed with :mod:`ast` (so reformatting, comments and docstrings are gone), then rewritten: ``torch.matmul(a, b)``,
``a.matmul(b)``, ``torch.mm``/``bmm`` become ``a @ b``; ``F.softmax``, ``torch.nn.functional.softmax`` and
``x.softmax`` become ``torch.softmax(x, dim=...)``; ``x.t()`` becomes ``x.T``; a function's assignments to names it
never reads (a dead line) are dropped; consecutive statements that do not depend on each other are put in one
canonical order; and the names a student chose become placeholders by first use (the kit's API names, builtins
and the functions and classes the notebook defines are kept). Each token remembers the source line it came from,
so that a pair page can highlight the lines that match.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import io
import re
import tokenize
from dataclasses import dataclass

#: names that are the API, not a student's choice
API_NAMES = frozenset({"torch", "nn", "F", "functional", "np", "numpy", "math", "plt", "self", "cls"}) | frozenset(
    dir(builtins)
)
MATMUL = frozenset({"matmul", "mm", "bmm"})
MODULES = frozenset({"torch", "F", "functional", "torch.nn.functional", "nn.functional"})
STRING = "S"  # every string literal


@dataclass(frozen=True)
class Token:
    text: str
    line: int  # 1-based line of the cell's source


@functools.lru_cache(maxsize=4096)
def tokens(source: str) -> tuple[Token, ...]:
    """The normalised tokens of one cell (cached: many students hand in the same cell); a cell that does not parse
    falls back to its raw tokens, so that a syntax error does not hide a copy."""
    try:
        return canonical_tokens(source)
    except (SyntaxError, ValueError, RecursionError):  # RecursionError: an expression nested thousands deep
        return tuple(raw_tokens(source))


def canonical_tokens(source: str) -> tuple[Token, ...]:
    tree = ast.parse(source)
    keep = defined(tree)
    tree = Canonical().visit(tree)
    drop_dead(tree)
    for body in bodies(tree):
        body[:] = reorder(body)
    Rename(keep).visit(tree)
    ast.fix_missing_locations(tree)
    text = ast.unparse(tree)
    lines = line_map(tree, ast.parse(text))
    return tuple(Token(t.text, lines.get(t.line, 1)) for t in raw_tokens(text))


def raw_tokens(source: str) -> list[Token]:
    """Python's tokens, without comments and layout; strings become one placeholder."""
    found: list[Token] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENDMARKER):
                continue
            text = {tokenize.NEWLINE: ";", tokenize.INDENT: "{", tokenize.DEDENT: "}", tokenize.STRING: STRING}.get(
                tok.type, tok.string
            )
            found.append(Token(text, tok.start[0]))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        found = [Token(word, number) for number, line in enumerate(source.splitlines(), 1) for word in line.split()]
    return found


def line_map(transformed: ast.AST, reparsed: ast.AST) -> dict[int, int]:
    """Line of the unparsed text -> line of the student's source (both trees have the same shape)."""
    mapping: dict[int, int] = {}
    for old, new in zip(ast.walk(transformed), ast.walk(reparsed), strict=False):  # same shape; never fail on it
        if isinstance(old, ast.stmt) and isinstance(new, ast.stmt):
            for line in range(new.lineno, (new.end_lineno or new.lineno) + 1):
                mapping[line] = old.lineno  # breadth first: the innermost statement wins
    return mapping


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class Canonical(ast.NodeTransformer):
    """One spelling for the operations written several ways; docstrings out."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if not isinstance(func, ast.Attribute):
            return node
        owner = dotted(func.value)
        module = owner in MODULES
        if func.attr in MATMUL and module and len(node.args) == 2 and not node.keywords:
            return ast.copy_location(ast.BinOp(node.args[0], ast.MatMult(), node.args[1]), node)
        if func.attr in MATMUL and not module and len(node.args) == 1 and not node.keywords:
            return ast.copy_location(ast.BinOp(func.value, ast.MatMult(), node.args[0]), node)
        if func.attr == "softmax":
            args = list(node.args) if module else [func.value, *node.args]
            dim = next((k.value for k in node.keywords if k.arg == "dim"), args[1] if len(args) > 1 else None)
            if args:
                keywords = [ast.keyword("dim", dim)] if dim is not None else []
                return ast.copy_location(
                    ast.Call(ast.Attribute(ast.Name("torch", ast.Load()), "softmax", ast.Load()), [args[0]], keywords),
                    node,
                )
        if func.attr == "t" and not module and not node.args and not node.keywords:
            return ast.copy_location(ast.Attribute(func.value, "T", ast.Load()), node)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None  # a docstring or a bare string
        self.generic_visit(node)
        return node


def bodies(tree: ast.AST):
    """Every statement list of the tree (module, function, loop, branch bodies)."""
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if (
                isinstance(body, list)
                and (not body or isinstance(body[0], ast.stmt))
                and not isinstance(node, ast.Lambda)
            ):
                if body or name == "body":
                    yield body


def drop_dead(tree: ast.AST) -> None:
    """Without ``pass`` and, in a function, assignments to a plain name the function never reads (an extra dead
    line); a body left empty holds one ``pass``, so that the tree still unparses."""
    for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        read = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for body in bodies(function):
            body[:] = [s for s in body if not _unread(s, read)]
    for body in bodies(tree):
        body[:] = [s for s in body if not isinstance(s, ast.Pass)] or [ast.Pass()]


def _unread(statement: ast.stmt, read: set[str]) -> bool:
    return (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and statement.targets[0].id not in read
    )


class Rename(ast.NodeTransformer):
    """A student's own names become ``v1, v2...`` by first use; API names and defined functions stay."""

    def __init__(self, keep: set[str]):
        self.keep = keep
        self.names: dict[str, str] = {}

    def placeholder(self, name: str) -> str:
        if name in self.keep:
            return name
        return self.names.setdefault(name, f"v{len(self.names) + 1}")

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.placeholder(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.placeholder(node.arg)
        node.annotation = None
        return node


def defined(tree: ast.AST) -> set[str]:
    """Names kept as they are: the API, and the functions and classes a cell defines (the checks call them)."""
    own = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return set(API_NAMES) | own


# Reordering --------------------------------------------------------------------------------------------------


def reads_and_writes(statement: ast.stmt) -> tuple[set[str], set[str]]:
    """Dotted names a statement reads and writes; a call statement may change whatever it names."""
    reads: set[str] = set()
    writes: set[str] = set()
    for node in ast.walk(statement):
        name = dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if name is None:
            continue
        (writes if isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)) else reads).add(name)
    if isinstance(statement, ast.AugAssign) or isinstance(statement, ast.Expr):
        writes |= reads
    return reads, writes


def independent(first: tuple[set[str], set[str]], second: tuple[set[str], set[str]]) -> bool:
    def touch(a: set[str], b: set[str]) -> bool:
        return any(x == y or x.startswith(y + ".") or y.startswith(x + ".") for x in a for y in b)

    (r1, w1), (r2, w2) = first, second
    return not (touch(w1, r2 | w2) or touch(w2, r1))


SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)


def reorder(body: list[ast.stmt]) -> list[ast.stmt]:
    """Runs of simple statements in one canonical order that keeps every dependency: of the statements whose
    predecessors are placed, the one whose text with names blanked sorts first goes next."""
    out: list[ast.stmt] = []
    run: list[ast.stmt] = []
    for index, statement in enumerate([*body, None]):
        if isinstance(statement, SIMPLE):
            run.append(statement)
            continue
        out += _canonical_order(run, body[index:])
        run = []
        if statement is not None:
            out.append(statement)
    return out


def _canonical_order(run: list[ast.stmt], after: list[ast.stmt]) -> list[ast.stmt]:
    """Ties between statements of one shape (``k = x.clone()``, ``q = x.clone()``) go by where the code after
    the run first uses what each writes, counted in tokens, so that no name decides."""
    if len(run) < 2:
        return run
    effects = [reads_and_writes(s) for s in run]
    later = re.findall(r"\w+|[^\w\s]", "\n".join(ast.unparse(s) for s in after))
    first_use = [min((later.index(n) for n in written if n in later), default=len(later)) for _, written in effects]
    keys = [(_shape(s), use) for s, use in zip(run, first_use, strict=True)]
    left = list(range(len(run)))
    placed: list[int] = []
    while left:
        ready = [i for i in left if all(independent(effects[j], effects[i]) for j in left if j < i)]
        chosen = min(ready, key=lambda i: (keys[i], i))
        placed.append(chosen)
        left.remove(chosen)
    return [run[i] for i in placed]


def _shape(statement: ast.stmt) -> str:
    blank = copy.deepcopy(statement)
    for node in ast.walk(blank):
        if isinstance(node, ast.Name):
            node.id = "_"
    return ast.unparse(blank)
