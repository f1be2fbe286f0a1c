"""Model text as safe HTML: every character escaped, evidence and attributions as <mark> spans."""

from __future__ import annotations

from typing import NamedTuple

from markupsafe import Markup, escape

PALETTE_SIZE = 8
ATTR_LEVELS = 5


class Mark(NamedTuple):
    """A highlight over text[start:end]; `css` is one of our class names, `title` is shown on hover."""

    start: int
    end: int
    css: str
    title: str


def highlight(text: str, marks: list[Mark]) -> Markup:
    """Escape `text` and wrap each run covered by marks in <mark>; overlapping marks nest as classes."""
    valid = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    cuts = sorted({0, len(text), *(m.start for m in valid), *(m.end for m in valid)})
    out: list[Markup] = []
    for lo, hi in zip(cuts, cuts[1:]):
        chunk = escape(text[lo:hi])
        active = [m for m in valid if m.start <= lo and hi <= m.end]
        if not active:
            out.append(chunk)
            continue
        css = " ".join(dict.fromkeys(m.css for m in active))
        title = "; ".join(dict.fromkeys(m.title for m in active))
        out.append(Markup('<mark class="{}" title="{}">{}</mark>').format(css, title, chunk))
    return Markup("").join(out)


def category_class(category: str, categories: list[str]) -> str:
    """A stable palette class for a category within one page."""
    return f"ev ev-{categories.index(category) % PALETTE_SIZE}" if category in categories else "ev"


def attribution_marks(tokens: list[tuple[int, int, float]]) -> list[Mark]:
    """Marks for (start, end, score) token attributions, bucketed by |score| relative to the max."""
    peak = max((abs(s) for _, _, s in tokens), default=0.0) or 1.0
    marks = []
    for start, end, score in tokens:
        level = min(ATTR_LEVELS, int(abs(score) / peak * ATTR_LEVELS + 0.5))
        if level == 0:
            continue
        sign = "pos" if score > 0 else "neg"
        marks.append(Mark(start, end, f"attr attr-{sign}-{level}", f"attribution {score:+.3f}"))
    return marks
