"""The installment table: as ``<pre>`` text inside a message when short, as a PNG when
long (a phone cannot show more rows than that readably)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from aiogram.utils.i18n import gettext as _

from backend import formatting
from backend.services.loan_dto import InstallmentView
from conversations.loans.schedule_image import table_png
from conversations.ui.text import current_locale, date

TEXT_TABLE_MAX_ROWS = 12
"""Up to a year of monthly rows fits a chat message; longer schedules become an image."""


def fits_in_text(installments: Sequence[InstallmentView]) -> bool:
    return len(installments) <= TEXT_TABLE_MAX_ROWS


def number(amount: int) -> str:
    """Rupiah without the ``Rp`` (the header says it): ``1.020.000``."""
    return formatting.format_number(Decimal(amount), current_locale())


def short_date(value: dt.date) -> str:
    return formatting.format_date(value, current_locale(), "short")


def column_titles() -> tuple[str, ...]:
    return (
        _("loans.schedule.col.period"),
        _("loans.schedule.col.due_date"),
        _("loans.schedule.col.principal"),
        _("loans.schedule.col.interest"),
        _("loans.schedule.col.installment"),
        _("loans.schedule.col.balance"),
    )


def schedule_text(installments: Sequence[InstallmentView]) -> str:
    """The table in a monospaced block: period, due date, principal, interest, installment,
    balance; totals last."""
    header = column_titles()
    rows = [header] + [
        (
            str(i.period),
            short_date(i.due_date),
            number(i.principal),
            number(i.interest),
            number(i.installment),
            number(i.balance),
        )
        for i in installments
    ]
    rows.append(("", _("loans.schedule.total"), *totals(installments), ""))
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    lines = [
        " ".join(
            cell.ljust(widths[c]) if c == 1 else cell.rjust(widths[c]) for c, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    return "<pre>" + "\n".join(lines) + "</pre>"


def totals(installments: Sequence[InstallmentView]) -> tuple[str, str, str]:
    return (
        number(sum(i.principal for i in installments)),
        number(sum(i.interest for i in installments)),
        number(sum(i.installment for i in installments)),
    )


async def schedule_png(title: str, installments: Sequence[InstallmentView]) -> bytes:
    """The whole table as an image, with money as ``Rp 1.020.000`` and long dates."""
    locale = current_locale()
    header = column_titles()
    rows = [
        (
            str(i.period),
            date(i.due_date),
            formatting.format_rupiah(i.principal, locale),
            formatting.format_rupiah(i.interest, locale),
            formatting.format_rupiah(i.installment, locale),
            formatting.format_rupiah(i.balance, locale),
        )
        for i in installments
    ]
    footer = (
        "",
        _("loans.schedule.total"),
        formatting.format_rupiah(sum(i.principal for i in installments), locale),
        formatting.format_rupiah(sum(i.interest for i in installments), locale),
        formatting.format_rupiah(sum(i.installment for i in installments), locale),
        "",
    )
    return await table_png(title, header, rows, footer)
