"""Smoke test of ``bench.ledger_bench``: its SQLite part, tiny, into a temporary report.

No timing is asserted (the numbers depend on the machine); only that transfers happen,
the ledger stays consistent and the report lands between its markers in ``--out``.
"""

from __future__ import annotations

from pathlib import Path

from bench.ledger_bench import parse_args, run
from bench.ledger_report import BEGIN_MARKER, END_MARKER, render, replace_marked, write_report


async def test_sqlite_part_transfers_without_violations(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    tiny = "--only sqlite --clients 3 --accounts 20 --duration 1 --warmup 0"
    options = parse_args([*tiny.split(), "--quiet-wait", "0", "--retries", "0", "--out", str(out)])
    assert options.out == out

    report = await run(options)

    assert report.postgresql is None and report.sqlite is not None
    result = report.sqlite
    assert result.kopdana.committed > 0
    assert result.kopdana.errors == 0 and result.baseline.errors == 0
    assert result.check.violations == ()
    assert result.check.ok, result.check
    write_report(out, render(report))
    written = out.read_text(encoding="utf-8")
    assert written.count(BEGIN_MARKER) == 1 and written.count(END_MARKER) == 1
    assert "kopdana `ledger.transfer`" in written


def test_only_the_marked_section_is_replaced() -> None:
    document = f"# Benchmarks\n\nbefore\n\n{BEGIN_MARKER}\nold\n{END_MARKER}\n\nafter\n"

    replaced = replace_marked(document, "new")

    assert replaced == f"# Benchmarks\n\nbefore\n\n{BEGIN_MARKER}\nnew\n{END_MARKER}\n\nafter\n"
    assert replace_marked("# Benchmarks\n", "new").endswith(f"{BEGIN_MARKER}\nnew\n{END_MARKER}\n")
