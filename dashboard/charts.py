"""Bar charts as inline SVG, drawn on the server: no JavaScript and nothing fetched.

Pure: values come in as Decimal, labels and links as text; coordinates are computed in
Decimal too and printed with one decimal. Every bar is a link (to the admin list of what
it sums) with a tooltip and a `data-value` holding the exact amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from html import escape

WIDTH = 640
HEIGHT = 220
TOP, BOTTOM, LEFT, RIGHT = 12, 34, 64, 8
GRID_LINES = 4


@dataclass(frozen=True)
class Bar:
    value: Decimal
    title: str  # tooltip: the label and the formatted amount
    href: str
    series: int = 0  # colour: 0, 1, ...


@dataclass(frozen=True)
class Group:
    label: str  # under the group: "Mar", "1-30"
    bars: Sequence[Bar]


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 x 10^n at or above `value` (the axis' top)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        top = step.scaleb(exponent)
        if top >= value:
            return top
    return Decimal(10).scaleb(exponent)  # pragma: no cover - 10 x 10^n always fits


def short_amount(value: Decimal) -> str:
    """Axis labels: 0, 250, 1.5k, 20k, 1.2M (the bars carry the exact figures)."""
    for divisor, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if abs(value) >= divisor:
            scaled = (value / divisor).quantize(Decimal("0.1"), rounding=ROUND_CEILING)
            return f"{scaled.normalize():f}{suffix}"
    return f"{value.normalize():f}"


def _n(value: Decimal | int) -> str:
    return f"{Decimal(value):.1f}"


def bar_chart(groups: Sequence[Group], *, label: str, series_names: Sequence[str] = ()) -> str:
    """Groups of bars side by side over a shared axis; `label` is the chart's accessible
    name; `series_names` a legend, one per series colour."""
    top = nice_ceiling(max((bar.value for g in groups for bar in g.bars), default=Decimal(0)))
    plot_w = Decimal(WIDTH - LEFT - RIGHT)
    plot_h = Decimal(HEIGHT - TOP - BOTTOM)
    slot = plot_w / max(len(groups), 1)
    parts = [
        f'<svg class="dashboard-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for line in range(GRID_LINES + 1):
        amount = top * line / GRID_LINES
        y = TOP + plot_h - plot_h * line / GRID_LINES
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(y)}" y2="{_n(y)}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{_n(y + 4)}" text-anchor="end">'
            f"{escape(short_amount(amount))}</text>"
        )
    for index, group in enumerate(groups):
        x0 = LEFT + slot * index
        inner = slot * Decimal("0.8")
        width = inner / max(len(group.bars), 1)
        for n, bar in enumerate(group.bars):
            height = plot_h * max(bar.value, Decimal(0)) / top
            x = x0 + slot * Decimal("0.1") + width * n
            parts.append(
                f'<a href="{escape(bar.href)}"><rect class="bar series-{bar.series}" '
                f'x="{_n(x)}" y="{_n(TOP + plot_h - height)}" width="{_n(width - 1)}" '
                f'height="{_n(height)}" data-value="{bar.value}">'
                f"<title>{escape(bar.title)}</title></rect></a>"
            )
        parts.append(
            f'<text class="label" x="{_n(x0 + slot / 2)}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(group.label)}</text>'
        )
    for n, name in enumerate(series_names):
        x = LEFT + 8 + n * 110
        parts.append(
            f'<rect class="bar series-{n}" x="{x}" y="{HEIGHT - 12}" width="10" height="10"/>'
            f'<text class="legend" x="{x + 14}" y="{HEIGHT - 3}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
