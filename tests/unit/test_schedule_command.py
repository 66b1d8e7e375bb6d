"""``kopdana schedule`` as people run it: output shapes, defaults and bad arguments."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest

from backend.domain.schedule_math import add_months
from bot.cli import main

BASE = ["schedule", "--principal", "1000000", "--tenor", "12", "--method", "annuity"]
ROW_KEYS = ["period", "due_date", "principal", "interest", "installment", "balance"]


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    assert main(list(arguments)) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def refused(capsys: pytest.CaptureFixture[str], *arguments: str) -> list[str]:
    """Run expecting exit status 2; return the stderr lines (stdout must stay empty)."""
    with pytest.raises(SystemExit) as caught:
        main(list(arguments))
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


def test_json_output_has_rows_and_totals_with_exact_decimal_strings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(capsys, *BASE, "--annual-rate", "12", "--start", "2026-01-31", "--format", "json")
    document = json.loads(out)
    assert list(document) == ["rows", "totals"]
    assert [list(row) for row in document["rows"]] == [ROW_KEYS] * 12
    assert document["rows"][0] == {
        "period": 1,
        "due_date": "2026-02-28",
        "principal": "78849",
        "interest": "10000",
        "installment": "88849",
        "balance": "921151",
    }
    assert document["rows"][-1]["due_date"] == "2027-01-31"
    assert document["rows"][-1]["balance"] == "0"
    assert document["totals"] == {
        "principal": "1000000",
        "interest": "66186",
        "installment": "1066186",
    }


def test_json_amounts_carry_exactly_the_requested_decimals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(
        capsys,
        *["schedule", "--principal", "10000", "--tenor", "10", "--method", "annuity"],
        *["--annual-rate", "8", "--digits", "2", "--format", "json", "--start", "2026-01-01"],
    )
    document = json.loads(out)
    # Microsoft Excel's PMT example: 10,000 at 8 % a year over 10 months → 1,037.03.
    assert document["rows"][0]["installment"] == "1037.03"
    amounts = [row[key] for row in document["rows"] for key in ROW_KEYS[2:]]
    amounts += list(document["totals"].values())
    assert all(isinstance(a, str) and len(a.partition(".")[2]) == 2 for a in amounts)
    assert document["totals"]["principal"] == "10000.00"


def test_csv_output_has_a_header_row_then_one_row_per_period(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(
        capsys,
        *["schedule", "--principal", "12000000", "--tenor", "12", "--method", "flat"],
        *["--monthly-rate", "1.5", "--format", "csv", "--start", "2026-03-15"],
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ROW_KEYS
    assert len(rows) == 13
    assert rows[1] == ["1", "2026-04-15", "1000000", "180000", "1180000", "11000000"]
    assert rows[-1][-1] == "0"


def test_table_output_is_aligned_with_a_header_and_a_totals_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(capsys, *BASE, "--annual-rate", "12", "--start", "2026-01-31")
    lines = out.splitlines()
    assert lines[0].split() == [
        "Period",
        "Due",
        "date",
        "Principal",
        "Interest",
        "Installment",
        "Balance",
    ]
    assert "88.849" in lines[2]
    assert lines[-1].split() == ["Total", "1.000.000", "66.186", "1.066.186"]
    body = lines[2:14]
    assert len({len(line) for line in body}) == 1  # right-aligned columns: equal widths
    assert {line.index("2026-") for line in body[:11]} == {8}


def test_rates_are_percentages_with_a_point_a_comma_or_a_percent_sign(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outputs = {
        run(capsys, *BASE, "--annual-rate", rate, "--start", "2026-01-31", "--format", "json")
        for rate in ("12.5", "12,5", "12.5%")
    }
    assert len(outputs) == 1
    yearly, monthly = (
        run(capsys, *BASE, option, rate, "--start", "2026-01-31", "--format", "json")
        for option, rate in (("--annual-rate", "12"), ("--monthly-rate", "1"))
    )
    assert yearly == monthly  # 12 % a year is 1 % a month


def test_without_a_start_date_period_one_is_due_a_month_from_today(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    document = json.loads(run(capsys, *BASE, "--annual-rate", "12", "--format", "json"))
    after = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    due = dt.date.fromisoformat(document["rows"][0]["due_date"])
    assert due in {add_months(before, 1), add_months(after, 1)}


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (["--principal", "0"], "error.schedule.principal_range"),
        (["--principal", "-5"], "error.schedule.principal_range"),
        (["--principal", "1000.5"], "error.schedule.principal_decimals"),
        (["--tenor", "0"], "error.schedule.tenor_range"),
        (["--tenor", "601"], "error.schedule.tenor_range"),
        (["--annual-rate", "100.5"], "error.schedule.rate_range"),
        (["--annual-rate", "-1"], "error.schedule.rate_range"),
        (["--grace-principal", "12"], "error.schedule.grace_range"),
        (["--digits", "-1"], "error.schedule.digits_range"),
        (["--digits", "9"], "error.schedule.digits_range"),
        (["--multiple-of", "0"], "error.schedule.multiple_range"),
        (["--multiple-of", "-100"], "error.schedule.multiple_range"),
        (["--multiple-of", "0.5"], "error.schedule.multiple_decimals"),
        (["--multiple-of", "1000000"], "error.schedule.rounding_too_coarse"),
        (["--start", "9999-01-01"], "error.schedule.start_out_of_range"),
    ],
)
def test_refused_terms_end_with_one_line_on_stderr_and_exit_status_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str], code: str
) -> None:
    options = {"--principal": "1000000", "--tenor": "12", "--annual-rate": "12"}
    options.update(zip(arguments[::2], arguments[1::2], strict=True))
    argv = ["schedule", "--method", "annuity", *(x for pair in options.items() for x in pair)]
    lines = refused(capsys, *argv)
    assert len(lines) == 1
    assert lines[0].startswith("kopdana schedule: error: ")
    assert code in lines[0]
    assert "Traceback" not in lines[0]


FLAT = ["--principal", "1000", "--tenor", "12", "--method", "flat", "--annual-rate", "12"]


@pytest.mark.parametrize(
    "arguments",
    [
        ["--principal", "abc", "--tenor", "12", "--method", "flat", "--annual-rate", "12"],
        ["--principal", "1.500.000", "--tenor", "12", "--method", "flat", "--annual-rate", "12"],
        ["--principal", "1000", "--tenor", "x", "--method", "flat", "--annual-rate", "12"],
        ["--principal", "1000", "--tenor", "12", "--method", "balloon", "--annual-rate", "12"],
        ["--principal", "1000", "--tenor", "12", "--method", "flat", "--annual-rate", "lots"],
        ["--principal", "1000", "--tenor", "12", "--method", "flat"],
        [*FLAT, "--monthly-rate", "1"],
        [*FLAT, "--rounding", "ceiling"],
        [*FLAT, "--start", "31/01/2026"],
        [*FLAT, "--format", "xml"],
    ],
)
def test_unreadable_arguments_are_argparse_errors_with_exit_status_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str]
) -> None:
    lines = refused(capsys, "schedule", *arguments)
    assert lines[-1].startswith("kopdana schedule: error: ")
    assert "Traceback" not in "\n".join(lines)


def test_help_says_rates_are_percentages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["schedule", "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "--annual-rate 12 is 12 % a year" in out
    assert "31 Jan -> 28/29 Feb" in out
