"""Ledger benchmark: kopdana's transfers under concurrency against in-run baselines.

    python -m bench.ledger_bench [--database-url URL] [--clients 20] [--duration 15]
                                 [--warmup 2] [--accounts 1000] [--only postgresql|sqlite]
                                 [--out docs/BENCHMARKS.md | --no-write] [--profile DIR]
                                 [--quiet-wait 120] [--retries 2] [--pgbench-scale N]

PostgreSQL: ``pgbench``'s built-in TPC-B-like script on a database of its own, then
kopdana's ``ledger.transfer`` from C concurrent workers on a fresh, migrated database,
then a bare single-UPDATE loop, all on the same server. SQLite: a bare single-UPDATE
loop and kopdana's transfers on a fresh file. After each kopdana run the ledger's
invariants are checked. Prints the report and writes it between the
``<!-- ledger-bench:begin/end -->`` markers of ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from backend.db.engine import Database
from backend.db.migrate import upgrade_database
from bench.kopdana_target import DbCounter, describe_database
from bench.ledger_measure import (
    BUSY_PERCENT,
    DEFAULT_QUIET_WAIT,
    DEFAULT_RETRIES,
    Options,
    measure_bare_update,
    measure_kopdana,
    measure_pgbench,
)
from bench.ledger_postgres import (
    checkpoint,
    drop_database,
    pgbench_initialize,
    pgbench_url,
    recreate_database,
    server_description,
    vacuum_analyze,
)
from bench.ledger_report import (
    DatabaseResult,
    LedgerBenchReport,
    render,
    write_report,
)
from bench.ledger_workload import open_and_fund
from bench.report import Machine

log = logging.getLogger("bench.ledger_bench")

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/kopdana_ledger_bench"
DEFAULT_OUT = Path("docs/BENCHMARKS.md")
DATABASES = ("postgresql", "sqlite")


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Read and check the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL URL of the ledger database (dropped and created; the name must "
        "contain 'bench'); pgbench uses <name>_pgbench on the same server",
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent workers (1-90)")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds")
    parser.add_argument("--accounts", type=int, default=1000, help="member wallets (2-100000)")
    parser.add_argument(
        "--pgbench-scale", type=int, default=None, help="pgbench -s (default: --clients)"
    )
    parser.add_argument("--only", choices=DATABASES, default=None, help="run one database")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"Markdown report (default {DEFAULT_OUT}; with --only, nothing is written "
        "unless --out is given, so a partial run cannot drop the other database's figures)",
    )
    parser.add_argument("--no-write", action="store_true", help="only print the report")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="cProfile kopdana's windows into DIR/<database>.prof (implies --no-write)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the workers")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=DEFAULT_QUIET_WAIT,
        metavar="S",
        help="before each window wait up to S s for other processes to go quiet (0: don't)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=DEFAULT_RETRIES,
        help=f"measure a window again, up to this many times, while other processes used "
        f"more than {BUSY_PERCENT:g}%% of a CPU in it (the quietest window is reported)",
    )
    args = parser.parse_args(argv)
    # 90 clients + a pgbench connection stay under PostgreSQL's default 100 connections.
    if not 1 <= args.clients <= 90:
        parser.error("--clients must be between 1 and 90")
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 120):
        parser.error("--duration must be in (0, 600] and --warmup in [0, 120]")
    if not 2 <= args.accounts <= 100_000:
        parser.error("--accounts must be between 2 and 100000")
    out = args.out if args.out is not None else (None if args.only else DEFAULT_OUT)
    return Options(
        database_url=args.database_url,
        clients=args.clients,
        duration=args.duration,
        warmup=args.warmup,
        accounts=args.accounts,
        pgbench_scale=args.pgbench_scale or args.clients,
        only=args.only,
        out=None if args.no_write or args.profile else out,
        profile=args.profile,
        seed=args.seed,
        quiet_wait=max(args.quiet_wait, 0.0),
        retries=max(args.retries, 0),
    )


# -- the two databases -------------------------------------------------------------------


async def run_postgresql(options: Options) -> DatabaseResult:
    """pgbench, kopdana and the bare UPDATE loop on the server of ``--database-url``."""
    url = options.database_url
    baseline_url = pgbench_url(url)
    log.info("pgbench -i -s %d into %s", options.pgbench_scale, make_url(baseline_url).database)
    await pgbench_initialize(baseline_url, options.pgbench_scale)
    try:
        await recreate_database(url)
        await upgrade_database(url)
        db = Database.from_url(url)
        counter = DbCounter()
        counter.attach(db)
        try:
            log.info("opening and funding %d wallets", options.accounts)
            fixture = await open_and_fund(db, accounts=options.accounts, clients=options.clients)
            await vacuum_analyze(url)
            baseline, command = await measure_pgbench(baseline_url, options)
            await checkpoint(url)
            kopdana, check = await measure_kopdana(db, fixture, options, counter, "postgresql")
            await checkpoint(url)
            bare = await measure_bare_update(db, options, counter)
        finally:
            await db.dispose()
    finally:
        await drop_database(baseline_url)
    return DatabaseResult(
        key="postgresql",
        machine=Machine.current(describe_database(url)),
        server=await server_description(url),
        baseline=baseline,
        kopdana=kopdana,
        check=check,
        accounts=options.accounts,
        bare_update=bare,
        baseline_command=command,
    )


async def run_sqlite(options: Options) -> DatabaseResult:
    """The bare UPDATE loop and kopdana on a fresh SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="kopdana-ledger-bench-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'ledger.sqlite3'}"
        await upgrade_database(url)
        db = Database.from_url(url)
        counter = DbCounter()
        counter.attach(db)
        try:
            log.info("opening and funding %d wallets", options.accounts)
            fixture = await open_and_fund(db, accounts=options.accounts, clients=options.clients)
            baseline = await measure_bare_update(db, options, counter)
            kopdana, check = await measure_kopdana(db, fixture, options, counter, "sqlite")
        finally:
            await db.dispose()
    server = (
        f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=FULL, BEGIN IMMEDIATE, "
        "one in-process write lock)"
    )
    return DatabaseResult(
        key="sqlite",
        machine=Machine.current(describe_database(url)),
        server=server,
        baseline=baseline,
        kopdana=kopdana,
        check=check,
        accounts=options.accounts,
    )


def reproduce_command(options: Options) -> str:
    """This run's command line with every option spelled out, password hidden."""
    url = make_url(options.database_url).render_as_string(hide_password=True)
    words = [
        ".venv/bin/python",
        "-m",
        "bench.ledger_bench",
        "--clients",
        str(options.clients),
        "--warmup",
        f"{options.warmup:g}",
        "--duration",
        f"{options.duration:g}",
        "--accounts",
        str(options.accounts),
    ]
    if options.runs("postgresql"):
        words += ["--database-url", url]
        if options.pgbench_scale != options.clients:
            words += ["--pgbench-scale", str(options.pgbench_scale)]
    if options.only is not None:
        words += ["--only", options.only]
    if options.out is not None and options.out != DEFAULT_OUT:
        words += ["--out", str(options.out)]
    if options.seed != 1:
        words += ["--seed", str(options.seed)]
    if options.quiet_wait != DEFAULT_QUIET_WAIT:
        words += ["--quiet-wait", f"{options.quiet_wait:g}"]
    if options.retries != DEFAULT_RETRIES:
        words += ["--retries", str(options.retries)]
    return shlex.join(words)


async def run(options: Options) -> LedgerBenchReport:
    """Every selected database, PostgreSQL first; returns the report."""
    postgresql = await run_postgresql(options) if options.runs("postgresql") else None
    sqlite = await run_sqlite(options) if options.runs("sqlite") else None
    return LedgerBenchReport(
        clients=options.clients,
        warmup=options.warmup,
        duration=options.duration,
        accounts=options.accounts,
        command=reproduce_command(options),
        postgresql=postgresql,
        sqlite=sqlite,
    )


def summary_lines(report: LedgerBenchReport) -> list[str]:
    """One line per database: the headline figure, the target and the checks."""
    lines = []
    for result in report.results:
        k = result.kopdana
        if result.key == "postgresql":
            headline = (
                f"PostgreSQL: kopdana {k.per_second:.0f} transfers/s vs pgbench "
                f"{result.baseline.per_second:.0f} tps = {result.ratio:.2f} (target ≥ 0.3)"
            )
        else:
            headline = (
                f"SQLite: kopdana {k.per_second:.0f} transfers/s, p99 {k.p99_ms:.1f} ms "
                f"(target < 60 ms), {result.ratio:.2f} × bare UPDATE"
            )
        lines.append(
            f"{headline}; {k.refused} refused, {k.errors} errors, "
            f"{result.check.violation_rows} violations, checks ok: {result.check.ok}; "
            f"target met: {result.meets_target}"
        )
    return lines


def healthy(report: LedgerBenchReport) -> bool:
    """No error, no violation, and some transfers in every run."""
    return all(
        r.check.ok and r.kopdana.errors == 0 and r.kopdana.committed > 0 for r in report.results
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns 1 when a run failed (errors, violations, no transfers)."""
    options = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    logging.getLogger("bench.ledger_cpu").setLevel(logging.INFO)
    report = asyncio.run(run(options))
    print(render(report))
    print()
    print("\n".join(summary_lines(report)))
    if options.profile is not None:
        print(f"\nprofiled run (numbers inflated, nothing written): {options.profile}/*.prof")
    if options.out is not None:
        write_report(options.out, render(report))
        print(f"\nwritten to {options.out}")
    elif options.only is not None:
        print("\n--only without --out: nothing written")
    return 0 if healthy(report) else 1


if __name__ == "__main__":
    raise SystemExit(main())
