"""``kopdana schedule``: a loan's installment schedule as a table, JSON or CSV.

The arithmetic is ``backend.domain.schedule``'s; this module reads the arguments, turns a
refused term into one line on stderr with exit status 2 (as argparse does for its own
errors), and renders the rows.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

from backend.domain.schedule import (
    MAX_DIGITS,
    MAX_RATE_PERCENT,
    MAX_TENOR,
    InterestMethod,
    InvalidScheduleTerms,
    RoundingMode,
    Schedule,
    ScheduleTerms,
    build_schedule,
    monthly_rate_from_percent,
)
from backend.i18n import load_translations
from backend.settings import Settings

EXIT_BAD_ARGUMENTS = 2  # argparse's own status for bad arguments
METHODS = ("flat", "annuity", "equal-principal")
ROUNDINGS = ("half-even", "half-up", "up", "down")
FORMATS = ("table", "json", "csv")
COLUMNS = ("period", "due_date", "principal", "interest", "installment", "balance")

_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

EPILOG = f"""\
Rates are percentages: --annual-rate 12 is 12 % a year, --annual-rate 12.5 is 12.5 % a
year (a decimal comma, 12,5, and a trailing %, 12%, are accepted too); the monthly rate
is the annual one divided by 12. Each is at most {MAX_RATE_PERCENT} %.

Amounts use "." as the decimal point and no thousands separators (1500000, not
1.500.000). Period 1 is due one month after --start (the disbursement date); each due
date is counted from --start, clamped to the month's end (31 Jan -> 28/29 Feb, 31 Mar).
The last period takes the remaining balance, so the principal parts sum to the principal.

Examples:
  kopdana schedule --principal 12000000 --tenor 12 --method flat --monthly-rate 1.5
  kopdana schedule --principal 1000000 --tenor 12 --method annuity --annual-rate 12 \\
      --multiple-of 100 --start 2026-01-31 --format json
"""


def add_schedule_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``kopdana schedule`` on its subparser."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "--principal", required=True, type=_number, help="the loan amount, e.g. 1500000"
    )
    parser.add_argument(
        "--tenor", required=True, type=int, help=f"number of monthly periods, 1-{MAX_TENOR}"
    )
    parser.add_argument("--method", required=True, choices=METHODS, help="interest method")
    rate = parser.add_mutually_exclusive_group(required=True)
    rate.add_argument(
        "--annual-rate", type=_percent, metavar="PERCENT", help="percent a year, e.g. 12 or 12.5"
    )
    rate.add_argument(
        "--monthly-rate", type=_percent, metavar="PERCENT", help="percent a month, e.g. 1.5"
    )
    parser.add_argument(
        "--digits",
        type=int,
        default=0,
        help=f"decimals of the currency, 0-{MAX_DIGITS} (default 0: whole rupiah)",
    )
    parser.add_argument(
        "--multiple-of",
        type=_number,
        metavar="AMOUNT",
        help="round each installment (equal principal: each principal part) to a multiple "
        "of AMOUNT (default: one smallest unit, i.e. 1 with --digits 0)",
    )
    parser.add_argument(
        "--rounding",
        choices=ROUNDINGS,
        default="half-even",
        help="the one rounding mode for every amount (default half-even)",
    )
    parser.add_argument(
        "--grace-principal",
        type=int,
        default=0,
        metavar="K",
        help="first K periods pay interest only (default 0); K < tenor",
    )
    parser.add_argument(
        "--start",
        type=_date,
        metavar="YYYY-MM-DD",
        help="disbursement date; period 1 is due a month later (default: today, in "
        "KOPDANA_DEFAULT_TIMEZONE)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="default table")


async def cmd_schedule(settings: Settings, args: argparse.Namespace) -> None:
    """Print the schedule; refused terms end with one line on stderr and exit status 2."""
    today = dt.datetime.now(ZoneInfo(settings.default_timezone)).date()
    try:
        schedule = build_schedule(terms_from_arguments(args, today=today))
    except InvalidScheduleTerms as error:
        print(f"kopdana schedule: error: {_describe(error, settings)}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_ARGUMENTS) from None
    renderers = {"table": render_table, "json": render_json, "csv": render_csv}
    sys.stdout.write(renderers[args.format](schedule))


def terms_from_arguments(args: argparse.Namespace, *, today: dt.date) -> ScheduleTerms:
    """The domain terms the parsed arguments describe; raises ``InvalidScheduleTerms``."""
    return ScheduleTerms(
        principal=args.principal,
        tenor=args.tenor,
        method=InterestMethod(args.method.replace("-", "_")),
        monthly_rate=monthly_rate_from_percent(
            annual_percent=args.annual_rate, monthly_percent=args.monthly_rate
        ),
        start=args.start or today,
        digits=args.digits,
        multiple_of=args.multiple_of,
        rounding=RoundingMode(args.rounding.replace("-", "_")),
        grace_principal=args.grace_principal,
    )


def render_json(schedule: Schedule) -> str:
    """``{"rows": [...], "totals": {...}}``; amounts as strings with exactly ``digits`` decimals."""
    document = {
        "rows": [
            {
                "period": row.period,
                "due_date": row.due_date.isoformat(),
                "principal": _plain(row.principal),
                "interest": _plain(row.interest),
                "installment": _plain(row.installment),
                "balance": _plain(row.balance),
            }
            for row in schedule.rows
        ],
        "totals": {
            "principal": _plain(schedule.totals.principal),
            "interest": _plain(schedule.totals.interest),
            "installment": _plain(schedule.totals.installment),
        },
    }
    return json.dumps(document, indent=2) + "\n"


def render_csv(schedule: Schedule) -> str:
    """A header row, then one row per period (no totals row, so every row is a period)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in schedule.rows:
        writer.writerow(
            (
                row.period,
                row.due_date.isoformat(),
                *(
                    _plain(amount)
                    for amount in (row.principal, row.interest, row.installment, row.balance)
                ),
            )
        )
    return buffer.getvalue()


def render_table(schedule: Schedule) -> str:
    """An aligned table for people: header, one line per period, a totals line.

    Amounts are written the Indonesian way (``1.500.000``, ``1.613.349,57``), as kopdana
    shows money to members.
    """
    digits = schedule.terms.digits
    header = ("Period", "Due date", "Principal", "Interest", "Installment", "Balance")
    lines = [
        (
            str(row.period),
            row.due_date.isoformat(),
            *(
                _grouped(amount, digits)
                for amount in (row.principal, row.interest, row.installment, row.balance)
            ),
        )
        for row in schedule.rows
    ]
    totals = schedule.totals
    footer = (
        "Total",
        "",
        *(_grouped(a, digits) for a in (totals.principal, totals.interest, totals.installment)),
        "",
    )
    widths = [max(len(cells[i]) for cells in (header, *lines, footer)) for i in range(6)]
    rule = "  ".join("-" * width for width in widths)

    def line(cells: tuple[str, ...]) -> str:
        left = [cells[0].rjust(widths[0]), cells[1].ljust(widths[1])]
        right = [cell.rjust(width) for cell, width in zip(cells[2:], widths[2:], strict=True)]
        return "  ".join(left + right).rstrip()

    return "\n".join([line(header), rule, *map(line, lines), rule, line(footer)]) + "\n"


def _plain(amount: Decimal) -> str:
    return format(amount, "f")


def _grouped(amount: Decimal, digits: int) -> str:
    english = f"{amount:,.{digits}f}"
    return english.translate(str.maketrans(",.", ".,"))


def _describe(error: InvalidScheduleTerms, settings: Settings) -> str:
    """The English catalog's message for ``error`` with its code, on one line."""
    template = load_translations(settings.locales_dir).get("en")
    message = template.gettext(error.code) if template is not None else error.code
    if message == error.code:
        details = ", ".join(f"{key}={value}" for key, value in error.params.items())
        text = f"{error.code} ({details})" if details else error.code
    else:
        text = f"{message.format(**error.params)} ({error.code})"
    return " ".join(text.split())


def _number(text: str) -> Decimal:
    """A plain decimal number: digits, an optional sign and an optional ``.`` fraction."""
    if not _NUMBER.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"not a number: {text!r} (write e.g. 1500000 or 0.5)")
    return Decimal(text.strip())


def _percent(text: str) -> Decimal:
    """A percentage as cooperatives write it: ``12``, ``12.5``, ``12,5`` or ``12,5%``."""
    cleaned = text.strip().removesuffix("%").strip()
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r} (write e.g. 12 or 12.5)")
    return Decimal(cleaned)


def _date(text: str) -> dt.date:
    try:
        if not _DATE.fullmatch(text.strip()):
            raise ValueError(text)
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (write YYYY-MM-DD)") from None
