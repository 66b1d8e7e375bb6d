"""Connect benchmark: a financier's loan list sorted by score against 5,000 open loans.

    python -m bench.connect_bench [--database-url URL] [--only postgresql|sqlite]
                                  [--loans 5000] [--runs 50] [--warmup 5] [--seed 1]
                                  [--out docs/BENCHMARKS.md | --no-write] [--profile DIR]
                                  [--quiet-wait 120] [--retries 2]

On a fresh, migrated, demo-seeded database (PostgreSQL: the database of ``--database-url``,
created and dropped by the run, its name must contain ``bench``; SQLite: a file in a
temporary directory) it inserts the borrowers, their open loans and profiles and the
financier (``bench.connect_population``), then times the baseline SELECT,
``score_borrowers`` and ``list_open_loans`` (``bench.connect_measure``). Prints the report
and writes it between the ``<!-- connect-bench:begin/end -->`` markers of ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import shlex
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from backend.db.engine import Database
from backend.db.migrate import upgrade_database
from backend.services.demo import seed_demo
from bench.connect_measure import (
    DEFAULT_QUIET_WAIT,
    DEFAULT_RETRIES,
    MeasureOptions,
    check_scores,
    measure,
)
from bench.connect_population import populate
from bench.connect_report import (
    TARGET_P95_MS,
    ConnectBenchReport,
    DatabaseResult,
    render,
    write_report,
)
from bench.kopdana_target import DbCounter, describe_database
from bench.ledger_postgres import (
    drop_database,
    recreate_database,
    server_description,
    vacuum_analyze,
)
from bench.report import Machine

log = logging.getLogger("bench.connect_bench")

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/kopdana_connect_bench"
DEFAULT_OUT = Path("docs/BENCHMARKS.md")
DEFAULT_LOANS = 5000
DEFAULT_RUNS = 50
DEFAULT_WARMUP = 5
DATABASES = ("postgresql", "sqlite")
MAX_LOANS = 9000  # NIK serials and the borrowers' phone range hold 9,999 members


@dataclass(frozen=True, slots=True)
class Options:
    """The run's settings, as ``parse_args`` reads them."""

    database_url: str
    loans: int
    measure: MeasureOptions
    only: str | None
    out: Path | None
    seed: int = 1

    def runs(self, key: str) -> bool:
        """Whether the database ``key`` ("postgresql" or "sqlite") is part of this run."""
        return self.only is None or self.only == key


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Read and check the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.connect_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL URL of the benchmark database (dropped and created; the name must "
        "contain 'bench')",
    )
    parser.add_argument("--only", choices=DATABASES, default=None, help="run one database")
    parser.add_argument("--loans", type=int, default=DEFAULT_LOANS, help="open loans (1-9000)")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="warm-up rounds")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the population")
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
        help="cProfile the list_open_loans calls into DIR/<database>.prof (implies --no-write)",
    )
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
        help="measure a window again, up to this many times, while other processes used "
        "more than a quarter of a CPU in it (the quietest window is reported)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.loans <= MAX_LOANS:
        parser.error(f"--loans must be between 1 and {MAX_LOANS}")
    if not (1 <= args.runs <= 10_000 and 0 <= args.warmup <= 1000):
        parser.error("--runs must be in [1, 10000] and --warmup in [0, 1000]")
    out = args.out if args.out is not None else (None if args.only else DEFAULT_OUT)
    return Options(
        database_url=args.database_url,
        loans=args.loans,
        measure=MeasureOptions(
            runs=args.runs,
            warmup=args.warmup,
            quiet_wait=max(args.quiet_wait, 0.0),
            retries=max(args.retries, 0),
            profile=args.profile,
        ),
        only=args.only,
        out=None if args.no_write or args.profile else out,
        seed=args.seed,
    )


@asynccontextmanager
async def sqlite_url() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory(prefix="kopdana-connect-bench-") as directory:
        yield f"sqlite+aiosqlite:///{Path(directory) / 'connect.sqlite3'}"


@asynccontextmanager
async def postgresql_url(url: str) -> AsyncIterator[str]:
    await recreate_database(url)
    try:
        yield url
    finally:
        await drop_database(url)


async def run_database(key: str, url: str, options: Options) -> DatabaseResult:
    """Migrate, seed, populate, measure and check one database."""
    await upgrade_database(url)
    db = Database.from_url(url)
    counter = DbCounter()
    counter.attach(db)
    try:
        now = dt.datetime.now(dt.UTC)
        await seed_demo(db, today=now.date())
        started = time.perf_counter()
        population = await populate(db, borrowers=options.loans, seed=options.seed, now=now)
        log.info("%s: populated in %.1f s", key, time.perf_counter() - started)
        if key == "postgresql":
            await vacuum_analyze(url)
            server = await server_description(url)
        else:
            server = f"SQLite {sqlite3.sqlite_version} (WAL)"
        window = await measure(db, population, options.measure, counter, key)
        check = await check_scores(db, population)
    finally:
        await db.dispose()
    if not check.ok:
        log.error("%s: score check failed: %s", key, check)
    return DatabaseResult(
        key=key,
        machine=Machine.current(describe_database(url)),
        server=server,
        population=population,
        window=window,
        check=check,
    )


def reproduce_command(options: Options) -> str:
    """This run's command line with every option spelled out, password hidden."""
    m = options.measure
    words = [".venv/bin/python", "-m", "bench.connect_bench", "--loans", str(options.loans)]
    words += ["--runs", str(m.runs), "--warmup", str(m.warmup)]
    if options.runs("postgresql"):
        url = make_url(options.database_url).render_as_string(hide_password=True)
        words += ["--database-url", url]
    if options.only is not None:
        words += ["--only", options.only]
    if options.out is not None and options.out != DEFAULT_OUT:
        words += ["--out", str(options.out)]
    if options.seed != 1:
        words += ["--seed", str(options.seed)]
    if m.quiet_wait != DEFAULT_QUIET_WAIT:
        words += ["--quiet-wait", f"{m.quiet_wait:g}"]
    if m.retries != DEFAULT_RETRIES:
        words += ["--retries", str(m.retries)]
    return shlex.join(words)


async def run(options: Options) -> ConnectBenchReport:
    """Every selected database, PostgreSQL first; returns the report."""
    postgresql = sqlite = None
    if options.runs("postgresql"):
        async with postgresql_url(options.database_url) as url:
            postgresql = await run_database("postgresql", url, options)
    if options.runs("sqlite"):
        async with sqlite_url() as url:
            sqlite = await run_database("sqlite", url, options)
    return ConnectBenchReport(
        loans=options.loans,
        runs=options.measure.runs,
        warmup=options.measure.warmup,
        command=reproduce_command(options),
        postgresql=postgresql,
        sqlite=sqlite,
    )


def summary_lines(report: ConnectBenchReport) -> list[str]:
    """One line per database: the headline figure against the target, and the checks."""
    return [
        f"{r.key}: list_open_loans p95 {r.window.listing.p95_ms:.1f} ms (target < "
        f"{TARGET_P95_MS:g} ms), {r.window.ratio:.1f} × the baseline SELECT "
        f"(p95 {r.window.baseline.p95_ms:.1f} ms), score_borrowers p95 "
        f"{r.window.scoring.p95_ms:.1f} ms; checks ok: {r.check.ok}; target met: "
        f"{r.meets_target}"
        for r in report.results
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns 1 when a check failed (the page is not what the scores say)."""
    options = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    logging.getLogger("bench.ledger_cpu").setLevel(logging.INFO)
    report = asyncio.run(run(options))
    print(render(report))
    print()
    print("\n".join(summary_lines(report)))
    if options.measure.profile is not None:
        print(f"\nprofiled run (numbers inflated, nothing written): {options.measure.profile}")
    if options.out is not None:
        write_report(options.out, render(report))
        print(f"\nwritten to {options.out}")
    elif options.only is not None:
        print("\n--only without --out: nothing written")
    return 0 if all(r.check.ok for r in report.results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
