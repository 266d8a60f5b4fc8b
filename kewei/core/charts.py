"""Charts drawn on the server as inline SVG: no chart library, no CDN, no web font
(the browser's own Chinese fonts draw the labels). ``static/kewei/charts.js`` turns any
chart into a PNG for download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString

NEGATIVE = "#c0392b"  # a negative value (an outflow) draws in red
COLOURS = ("#2f6fb3", "#3d9970", "#e0a800", "#d9534f", "#7b5ea7", "#17a2b8", "#6c757d")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str = ""  # shown after the bar (defaults to the value)
    href: str = ""  # drill-down


def _svg(width: int, height: int, title: str, parts: Sequence[str]) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {} {}" '
        'width="{}" height="{}" role="img" aria-label="{}" font-size="13">'
        '<rect width="100%" height="100%" fill="#fff"/>{}</svg>',
        width,
        height,
        width,
        height,
        title,
        SafeString("".join(parts)),
    )


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 720) -> SafeString:
    """Horizontal bars, one per row, longest scaled to the width; a negative value
    draws as long as its size, in red."""
    label_width, row, value_width = 130, 28, 250
    plot = width - label_width - value_width
    top = max((abs(bar.value) for bar in bars), default=0) or 1
    height = row * len(bars) + 8
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * row
        length = max(1.0, plot * abs(bar.value) / top) if bar.value else 0
        colour = NEGATIVE if bar.value < 0 else COLOURS[index % len(COLOURS)]
        shape = format_html(
            '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
            '<text x="{}" y="{}" dominant-baseline="middle">{}</text>',
            label_width - 6,
            y + row / 2,
            bar.label,
            label_width,
            y + 4,
            f"{length:.1f}",
            row - 8,
            colour,
            bar.label,
            bar.text or bar.value,
            f"{label_width + length + 6:.1f}",
            y + row / 2,
            bar.text or bar.value,
        )
        if bar.href:
            shape = format_html('<a href="{}">{}</a>', bar.href, shape)
        rows.append(shape)
    return _svg(width, height, title, rows)


def heat_grid(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[int]],
    *,
    title: str,
    hrefs: Sequence[Sequence[str]] | None = None,
    cell: int = 56,
) -> SafeString:
    """A grid of counts, shaded by size (darker is more)."""
    left, head = 70, 26
    width, height = left + cell * len(columns), head + cell * len(rows)
    top = max((v for line in values for v in line), default=0) or 1
    parts = [
        format_html(
            '<text x="{}" y="{}" text-anchor="middle">{}</text>',
            left + cell * index + cell / 2,
            head - 8,
            label,
        )
        for index, label in enumerate(columns)
    ]
    for r, label in enumerate(rows):
        y = head + r * cell
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                left - 6,
                y + cell / 2,
                label,
            )
        )
        for c, value in enumerate(values[r]):
            shade = 0.08 + 0.85 * value / top
            square = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#2f6fb3" fill-opacity="{}" '
                'stroke="#fff"><title>{} / {}: {}</title></rect>'
                '<text x="{}" y="{}" text-anchor="middle" dominant-baseline="middle" fill="{}">'
                "{}</text>",
                left + c * cell,
                y,
                cell,
                cell,
                f"{shade:.2f}",
                label,
                columns[c],
                value,
                left + c * cell + cell / 2,
                y + cell / 2,
                "#fff" if shade > 0.5 else "#222",
                value,
            )
            if hrefs and hrefs[r][c]:
                square = format_html('<a href="{}">{}</a>', hrefs[r][c], square)
            parts.append(square)
    return _svg(width, height, title, parts)
