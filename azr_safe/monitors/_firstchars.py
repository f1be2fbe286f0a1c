"""Exact first-character prefilter for regexes (speed): `(?=[chars])` lets re skip to candidate positions."""

from __future__ import annotations

import re

try:  # Python >= 3.11 ships the parser as re._parser (sre_parse is a deprecated alias)
    from re import _constants as C, _parser as P
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}


def _seq_first(items, flags) -> tuple[set[str] | None, bool]:  # noqa: ANN001
    """(possible first consumed characters, whether the sequence can match empty); None = any char."""
    chars: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        first, nullable = _item_first(op, av, flags)
        if first is None:
            return None, False
        chars |= first
        if not nullable:
            return chars, False
    return chars, True


def _item_first(op, av, flags) -> tuple[set[str] | None, bool]:  # noqa: ANN001
    if op == C.LITERAL:
        return {chr(av)}, False
    if op == C.IN:
        out: set[str] = set()
        for iop, iav in av:
            if iop == C.LITERAL:
                out.add(chr(iav))
            elif iop == C.RANGE and iav[1] - iav[0] < 64:
                out |= {chr(c) for c in range(iav[0], iav[1] + 1)}
            else:
                return None, False  # negated sets, categories (\w, \s), wide ranges
        return out, False
    if op == C.SUBPATTERN:
        return _seq_first(av[-1], flags)
    if op == C.BRANCH:
        out, nullable = set(), False
        for branch in av[1]:
            first, n = _seq_first(branch, flags)
            if first is None:
                return None, False
            out |= first
            nullable |= n
        return out, nullable
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        low, _, item = av
        first, n = _seq_first(item, flags)
        return first, (low == 0 or n) if first is not None else False
    return None, False


def first_chars(pattern: str) -> str | None:
    """A character class of every character a match can start with, or None if unknown or too broad."""
    try:
        first, nullable = _seq_first(P.parse(pattern), 0)
    except Exception:  # noqa: BLE001 - an unparsable pattern just gets no prefilter
        return None
    if first is None or nullable or not first or len(first) > 20:
        return None
    return "[" + "".join(re.escape(c) for c in sorted(first)) + "]"
