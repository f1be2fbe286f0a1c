"""Parse literal reprs in the trainer without executing anything (a stricter `ast.literal_eval`
that also reads `nan`, `inf`, `set()` and `frozenset({...})`, which repr() produces)."""

from __future__ import annotations

import ast
from typing import Any

from azr_safe.jail._worker import to_literal

MAX_LITERAL_CHARS = 1 << 20
_NAMES = {"nan": float("nan"), "inf": float("inf"), "None": None, "True": True, "False": False}


class NotALiteral(ValueError):
    """The text is not plain literal data."""


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex, str, bytes, bool, type(None)):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand)
        if type(operand) not in (int, float, complex):
            raise NotALiteral("sign on a non-number")
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        left, right = _value(node.left), _value(node.right)  # complex literals: 1+2j
        if type(left) in (int, float) and type(right) is complex:
            return left + right if isinstance(node.op, ast.Add) else left - right
        raise NotALiteral("arithmetic is not a literal")
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_value(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Set):
        return {_value(e) for e in node.elts}
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise NotALiteral("dict unpacking is not a literal")
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values)}
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("set", "frozenset")
            and not node.keywords and len(node.args) <= 1):
        items = _value(node.args[0]) if node.args else ()
        if type(items) not in (list, tuple, set):
            raise NotALiteral(f"{node.func.id}() of a non-collection")
        return set(items) if node.func.id == "set" else frozenset(items)
    raise NotALiteral(f"{type(node).__name__} is not literal data")


def parse_literal(text: str) -> Any:
    """The value of a literal repr, or NotALiteral. Never executes code."""
    if len(text) > MAX_LITERAL_CHARS:
        raise NotALiteral("literal too long")
    try:
        tree = ast.parse(text.strip(), mode="eval")
        return _value(tree.body)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError) as err:
        raise NotALiteral(str(err)) from err


def literal_tree(text: str) -> Any:
    """The strictly typed tree (as the child builds it) of a literal repr, or NotALiteral."""
    tree = to_literal(parse_literal(text))
    if tree is None:
        raise NotALiteral("not literal data")
    return tree


def literal_call(call: str) -> bool:
    """Whether `call` (e.g. `f(3, [1, 2])`) is a plain call of `f` on literal data only: running it
    runs nothing but the program's own `f`. Never executes anything."""
    if len(call) > MAX_LITERAL_CHARS:
        return False
    try:
        node = ast.parse(call.strip(), mode="eval").body
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "f"
                and not node.keywords):
            return False
        for arg in node.args:
            _value(arg)  # raises on anything that is not literal data (a Starred argument too)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return False
    return True
