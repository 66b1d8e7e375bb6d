"""The installment table as a PNG, for schedules too long to read as a chat message.

Rendered with matplotlib's Agg canvas on a fresh ``Figure`` (never pyplot's global state),
so it is safe in a worker thread; callers run it through ``asyncio.to_thread`` to keep the
event loop free. The cells arrive already translated and formatted.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

ROW_HEIGHT_INCHES = 0.28
WIDTH_INCHES = 8.0
DPI = 150
HEADER_COLOUR = "#1f4e79"
STRIPE_COLOUR = "#eef3f8"


def render_table_png(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], footer: Sequence[str]
) -> bytes:
    """A striped table: ``header``, one line per row, a bold ``footer`` (the totals)."""
    body = [list(row) for row in rows] + [list(footer)]
    height = ROW_HEIGHT_INCHES * (len(body) + 3)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.02, 0.02, 0.96, 0.96 - 0.6 / height))
    axes.axis("off")
    figure.suptitle(title, fontsize=11, fontweight="bold", y=0.995, va="top")
    table = axes.table(cellText=body, colLabels=list(header), loc="upper center", cellLoc="right")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1, 1.25)
    last = len(body)
    for (row, _column), cell in table.get_celld().items():
        cell.set_edgecolor("#c8d3de")
        if row == 0:
            cell.set_facecolor(HEADER_COLOUR)
            cell.get_text().set_color("white")
            cell.get_text().set_fontweight("bold")
        elif row == last:
            cell.get_text().set_fontweight("bold")
        elif row % 2 == 0:
            cell.set_facecolor(STRIPE_COLOUR)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


async def table_png(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], footer: Sequence[str]
) -> bytes:
    """``render_table_png`` off the event loop."""
    return await asyncio.to_thread(render_table_png, title, header, rows, footer)
