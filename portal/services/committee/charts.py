"""Charts drawn on the server as SVG: no JavaScript, no external service, printable.

Each chart is an image with a title; the page shows the same figures as a table beside it for
screen readers and for anyone who wants the numbers, so the SVG itself is marked decorative
apart from its title.
"""

from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup, escape

BAR_COLOUR = "#2d6a9f"
WIDTH = 560
BAR_WIDTH = 360


def bar_chart(title: str, items: list[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per (label, count), longest first as given."""
    row, label_width, top = 24, 150, 8
    height = top + row * max(len(items), 1) + 8
    largest = max((count for _label, count in items), default=0) or 1
    scale = (BAR_WIDTH - label_width - 50) / largest
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {BAR_WIDTH} {height}" '
        f'width="{BAR_WIDTH}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (text, count) in enumerate(items):
        y = top + index * row
        length = max(count * scale, 1 if count else 0)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(text if len(text) <= 14 else text[:13] + '…')}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 16}" font-size="13">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text above went through escape)


def day_chart(title: str, per_day: list[tuple[date, int]]) -> Markup:
    """Submissions per day as columns, first and last day and the highest count labelled.

    Days without comments between the first and the last are drawn as empty columns, so the
    horizontal axis is time.
    """
    if per_day:
        counts = dict(per_day)
        first, last = per_day[0][0], per_day[-1][0]
        per_day = [
            (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)
        ]
    height, bottom, left = 180, 24, 36
    plot_width = WIDTH - left - 10
    largest = max((count for _day, count in per_day), default=0) or 1
    days = len(per_day) or 1
    step = plot_width / days
    bar = max(step * 0.8, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - 10}" y2="{height - bottom}" '
        'stroke="#555"/>',
        f'<text x="{left - 4}" y="16" text-anchor="end" font-size="12">{largest}</text>',
    ]
    plot_height = height - bottom - 20
    for index, (_day, count) in enumerate(per_day):
        h = count / largest * plot_height
        x = left + index * step
        parts.append(
            f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="{BAR_COLOUR}"/>'
        )
    if per_day:
        parts.append(
            f'<text x="{left}" y="{height - 6}" font-size="12">{per_day[0][0].isoformat()}</text>'
            f'<text x="{WIDTH - 10}" y="{height - 6}" text-anchor="end" font-size="12">'
            f"{per_day[-1][0].isoformat()}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (no outside text except escaped title)
