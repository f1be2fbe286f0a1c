"""Small inline SVG line charts: no JavaScript, no CDN, colours from CSS classes."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from azr_safe.review.stats import Series

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 18, 34
MAX_POINTS = 400  # per series; longer runs are averaged into buckets so pages stay small
PALETTE_SIZE = 10


def line_chart(title: str, series: Series, *, y_max: float | None = None, y_label: str = "") -> Markup:
    """An SVG chart of `series` against step, with gridlines, axis labels and a legend."""
    points = {name: _downsample(values) for name, values in series.items() if values}
    if not points:
        return Markup('<p class="empty">No data yet for {}.</p>').format(title)
    xs = [x for values in points.values() for x, _ in values]
    ys = [y for values in points.values() for _, y in values]
    x0, x1 = min(xs), max(xs)
    top = y_max if y_max is not None else _nice_ceiling(max(ys))
    bottom = min(0.0, min(ys))
    sx = _scale(x0, x1, LEFT, WIDTH - RIGHT)
    sy = _scale(bottom, top, HEIGHT - BOTTOM, TOP)
    parts = [
        Markup('<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">').format(WIDTH, HEIGHT, title),
        Markup("<title>{}</title>").format(title),
        _grid(bottom, top, sy, y_label),
        _x_axis(x0, x1, sx),
    ]
    for i, (name, values) in enumerate(points.items()):
        parts.append(_line(i, name, values, sx, sy))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts) + _legend(list(points))


def _scale(d0: float, d1: float, r0: float, r1: float):
    span = (d1 - d0) or 1.0
    return lambda v: r0 + (v - d0) * (r1 - r0) / span


def _grid(bottom: float, top: float, sy, y_label: str) -> Markup:
    out = []
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        v = bottom + frac * (top - bottom)
        y = sy(v)
        out.append(
            Markup('<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>'
                   '<text class="tick" x="{}" y="{:.1f}" text-anchor="end">{}</text>').format(
                LEFT, WIDTH - RIGHT, y, y, LEFT - 4, y + 3, _fmt(v))
        )  # fmt: skip
    if y_label:
        out.append(Markup('<text class="axis-label" x="4" y="{}">{}</text>').format(TOP - 8, y_label))
    return Markup("").join(out)


def _x_axis(x0: float, x1: float, sx) -> Markup:
    y = HEIGHT - BOTTOM
    ticks = sorted({x0, x1, round(x0 + (x1 - x0) / 2)})
    out = [Markup('<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>').format(LEFT, WIDTH - RIGHT, y, y)]
    for t in ticks:
        out.append(
            Markup('<text class="tick" x="{:.1f}" y="{}" text-anchor="middle">{}</text>').format(sx(t), y + 14, _fmt(t))
        )
    out.append(Markup('<text class="axis-label" x="{}" y="{}" text-anchor="middle">step</text>').format(
        (LEFT + WIDTH - RIGHT) // 2, y + 28))
    return Markup("").join(out)


def _line(i: int, name: str, values: list[tuple[float, float]], sx, sy) -> Markup:
    cls = f"series-{i % PALETTE_SIZE}"
    if len(values) == 1:
        (x, y), = values
        return Markup('<circle class="{}" cx="{:.1f}" cy="{:.1f}" r="3"><title>{}</title></circle>').format(
            cls, sx(x), sy(y), name
        )
    pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in values)
    return Markup('<polyline class="{}" points="{}"><title>{}</title></polyline>').format(cls, pts, name)


def _legend(names: list[str]) -> Markup:
    items = Markup("").join(
        Markup('<li><span class="swatch swatch-{}"></span>{}</li>').format(i % PALETTE_SIZE, escape(n))
        for i, n in enumerate(names)
    )
    return Markup('<ul class="legend">{}</ul>').format(items)


def _downsample(values: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(values) <= MAX_POINTS:
        return values
    size = -(-len(values) // MAX_POINTS)
    out = []
    for i in range(0, len(values), size):
        bucket = values[i : i + size]
        out.append((sum(x for x, _ in bucket) / len(bucket), sum(y for _, y in bucket) / len(bucket)))
    return out


def _nice_ceiling(v: float) -> float:
    """The smallest of 1, 2, 4, 5 x 10^k at or above v, so quarter ticks read well."""
    if v <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(v))
    return next(m * scale for m in (1, 2, 4, 5, 10) if m * scale >= v - 1e-12)


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.3g}"
