"""Smoke test of ``bench.connect_bench``: a tiny run (50 loans, 3 rounds), no timing asserted.

Checks that the population is valid enough for the services to list and score it, that
the scores were really computed (the page holds the best-scored loans, with reasons, and
some borrowers share something with the financier), and that the report lands between its
markers. The second test runs on the test database (PostgreSQL when
``KOPDANA_TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from backend.db.engine import Database
from backend.services.loan_market import PAGE_SIZE
from bench.connect_bench import parse_args, run
from bench.connect_measure import MeasureOptions, check_scores, measure_window
from bench.connect_population import populate
from bench.connect_report import BEGIN_MARKER, END_MARKER, render, replace_marked, write_report
from bench.kopdana_target import DbCounter

TINY = "--only sqlite --loans 50 --runs 3 --warmup 1 --quiet-wait 0 --retries 0"


async def test_tiny_sqlite_run_scores_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\nkept\n", encoding="utf-8")
    options = parse_args([*TINY.split(), "--out", str(out)])

    report = await run(options)

    assert report.postgresql is None and report.sqlite is not None
    result = report.sqlite
    assert result.population.loans == 50
    window = result.window
    for timing in (window.baseline, window.scoring, window.listing):
        assert timing.runs == 3
        assert timing.p50_ms <= timing.p95_ms <= timing.p99_ms
        assert timing.statements >= 1
    check = result.check
    assert check.ok, check
    assert check.total == 50
    assert sum(count for _score, count in check.histogram) == 50
    assert check.scored_above_zero > 0
    assert len(check.page_scores) == PAGE_SIZE
    write_report(out, render(report))
    written = out.read_text(encoding="utf-8")
    assert written.startswith("# Benchmarks\n\nkept\n")
    assert written.count(BEGIN_MARKER) == 1 and written.count(END_MARKER) == 1
    assert "### SQLite: financiers' loan list, 50 open loans" in written
    assert "(c) `list_open_loans`, first page by score" in written
    assert "--loans 50 --runs 3 --warmup 1 --only sqlite" in written


async def test_scores_computed_on_the_test_database(seeded_db: Database) -> None:
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    population = await populate(seeded_db, borrowers=50, seed=3, now=now)
    counter = DbCounter()
    counter.attach(seeded_db)

    window = await measure_window(
        seeded_db, population, MeasureOptions(runs=3, warmup=0, quiet_wait=0), counter, "test"
    )
    check = await check_scores(seeded_db, population)

    assert window.listing.runs == 3 and window.listing.statements >= 1
    assert population.financier_entries == 11 and population.financier_contacts > 0
    assert check.ok, check
    assert check.page_scores == tuple(sorted(check.page_scores, reverse=True))
    assert check.page_scores[0] > 0


def test_only_the_marked_section_is_replaced() -> None:
    document = f"# Benchmarks\n\nbefore\n\n{BEGIN_MARKER}\nold\n{END_MARKER}\n\nafter\n"

    replaced = replace_marked(document, "new")

    assert replaced == f"# Benchmarks\n\nbefore\n\n{BEGIN_MARKER}\nnew\n{END_MARKER}\n\nafter\n"
    assert replace_marked("# Benchmarks\n", "new").endswith(f"{BEGIN_MARKER}\nnew\n{END_MARKER}\n")


@pytest.mark.parametrize("bad", ["--loans 0", "--loans 9001", "--runs 0", "--warmup -1"])
def test_out_of_range_options_are_refused(bad: str) -> None:
    with pytest.raises(SystemExit):
        parse_args(bad.split())


def test_a_partial_run_writes_nothing_unless_told() -> None:
    assert parse_args(["--only", "sqlite"]).out is None
    assert parse_args([]).out == Path("docs/BENCHMARKS.md")
    assert parse_args(["--profile", "/tmp/p"]).out is None
