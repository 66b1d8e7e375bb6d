"""Timing the financiers' loan list against its baselines, one call after another.

Three operations run in turn, round after round, on the same ``Database`` (so machine
noise hits all three alike): (a) the baseline, the plain SELECT of the open loans' ids and
borrower ids with no scoring; (b) ``score_borrowers`` alone for those borrowers, to show
how much of (c) is the score; (c) ``loan_market.list_open_loans`` for the first page
sorted by score, the code under test. One financier, one call at a time: the figure is the
latency a financier waits for the first page, not a throughput.

Before a window the harness waits for a quiet machine; a window in which other processes
used more than ``BUSY_PERCENT`` of a CPU is measured again (up to ``--retries`` times) and
the quietest is reported. The checks after the window confirm that the scores were
computed: the page holds the best-scored loans, in order, with their reasons.
"""

from __future__ import annotations

import cProfile
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models_loans import Loan
from backend.db.unit_of_work import UnitOfWork
from backend.domain.loan_lifecycle import LoanStatus
from backend.services.connect_scores import score_borrowers
from backend.services.loan_market import (
    PAGE_SIZE,
    MarketPage,
    MarketQuery,
    MarketSort,
    list_open_loans,
)
from bench.connect_population import Population
from bench.kopdana_target import DbCounter
from bench.ledger_cpu import ServerCpuMeter, wait_for_quiet
from bench.load import MachineCpuMeter
from bench.stats import percentile

log = logging.getLogger("bench.connect_bench")

DEFAULT_QUIET_WAIT = 120.0
DEFAULT_RETRIES = 2
BUSY_PERCENT = 25.0
"""A window in which other processes used more than this share of a CPU is measured again."""
FIRST_PAGE = MarketQuery(sort=MarketSort.SCORE, page=1)


@dataclass(frozen=True, slots=True)
class MeasureOptions:
    """How many calls, and how to treat a busy machine."""

    runs: int
    warmup: int
    quiet_wait: float = DEFAULT_QUIET_WAIT
    retries: int = DEFAULT_RETRIES
    profile: Path | None = None


@dataclass(frozen=True, slots=True)
class Timing:
    """Latency of one operation over the measured calls, with its costs per call."""

    title: str
    runs: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    cpu_ms: float
    """This process's CPU time per call (all threads: aiosqlite's worker too)."""
    statements: float
    """SQL statements sent per call (BEGIN excluded)."""


@dataclass(frozen=True, slots=True)
class ScoreCheck:
    """What the last listing showed, against ``score_borrowers`` for the same borrowers."""

    total: int
    expected_total: int
    page_scores: tuple[int, ...]
    best_scores: tuple[int, ...]
    page_has_reasons: bool
    histogram: tuple[tuple[int, int], ...]
    """(score, borrowers) for every score 0..9 that occurs."""

    @property
    def scored_above_zero(self) -> int:
        return sum(count for score, count in self.histogram if score > 0)

    @property
    def ok(self) -> bool:
        """The list holds every open loan and its first page the best scores, in order."""
        return (
            self.total == self.expected_total
            and self.page_scores == self.best_scores
            and self.page_has_reasons
        )


@dataclass(frozen=True, slots=True)
class Window:
    """One measured window: the three operations and how busy the machine was."""

    baseline: Timing
    scoring: Timing
    listing: Timing
    other_cpu_percent: float | None
    server_cpu_ms: float | None
    """The PostgreSQL server's CPU per round of the three calls (None for SQLite)."""
    windows: int = 1

    @property
    def ratio(self) -> float:
        """Listing p95 over baseline p95: what scoring and the page cost on top of a SELECT."""
        if not self.baseline.p95_ms or math.isnan(self.baseline.p95_ms):
            return math.nan
        return self.listing.p95_ms / self.baseline.p95_ms


async def baseline_select(db: Database, financier_id: int) -> list[tuple[int, int]]:
    """The plain SELECT of the open loans' ids and borrower ids: no scoring, no page."""
    async with UnitOfWork(db, write=False) as uow:
        rows = await uow.session.execute(
            select(Loan.id, Loan.member_id).where(
                Loan.status == LoanStatus.OPEN_FOR_FUNDING.value, Loan.member_id != financier_id
            )
        )
        return [(loan_id, member_id) for loan_id, member_id in rows]


@dataclass
class _Series:
    """Per-call samples of one operation."""

    title: str
    seconds: list[float]
    cpu: float = 0.0
    statements: int = 0

    def timing(self) -> Timing:
        runs = len(self.seconds)
        return Timing(
            title=self.title,
            runs=runs,
            p50_ms=percentile(self.seconds, 0.50) * 1000,
            p95_ms=percentile(self.seconds, 0.95) * 1000,
            p99_ms=percentile(self.seconds, 0.99) * 1000,
            mean_ms=sum(self.seconds) / runs * 1000 if runs else math.nan,
            cpu_ms=self.cpu / runs * 1000 if runs else math.nan,
            statements=self.statements / runs if runs else math.nan,
        )


async def _timed(
    operation: Callable[[], Awaitable[object]],
    series: _Series,
    counter: DbCounter,
    profiler: cProfile.Profile | None = None,
) -> None:
    counter.begin()
    cpu, started = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    await operation()
    if profiler is not None:
        profiler.disable()
    series.seconds.append(time.perf_counter() - started)
    series.cpu += time.process_time() - cpu
    counter.end()
    series.statements += counter.statements


def _operations(
    db: Database, population: Population
) -> tuple[
    Callable[[], Awaitable[object]],
    Callable[[], Awaitable[object]],
    Callable[[], Awaitable[MarketPage]],
]:
    financier, borrowers = population.financier_id, population.borrower_ids

    async def baseline() -> object:
        return await baseline_select(db, financier)

    async def scoring() -> object:
        return await score_borrowers(db, financier_id=financier, borrower_ids=borrowers)

    async def listing() -> MarketPage:
        return await list_open_loans(db, financier_id=financier, query=FIRST_PAGE)

    return baseline, scoring, listing


async def measure_window(
    db: Database, population: Population, options: MeasureOptions, counter: DbCounter, key: str
) -> Window:
    """Warm-up rounds, then ``options.runs`` rounds of (a), (b), (c) in turn."""
    await wait_for_quiet(options.quiet_wait)
    operations = _operations(db, population)
    for _ in range(options.warmup):
        for operation in operations:
            await operation()
    series = [_Series(title, []) for title in ("baseline", "score_borrowers", "list_open_loans")]
    profiler = cProfile.Profile() if options.profile is not None else None
    machine, server = MachineCpuMeter(), ServerCpuMeter()
    machine.begin()
    server.begin()
    started = time.perf_counter()
    for _ in range(options.runs):
        for operation, samples in zip(operations, series, strict=True):
            await _timed(operation, samples, counter, profiler if samples is series[2] else None)
    seconds = time.perf_counter() - started
    machine.end()
    server.end()
    server_seconds = None if db.is_sqlite else server.seconds
    other = machine.other_seconds
    if other is not None:
        other = max(other - (server_seconds or 0.0), 0.0) / seconds * 100
    if profiler is not None and options.profile is not None:
        options.profile.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(options.profile / f"{key}.prof")
    baseline, scoring, listing = (s.timing() for s in series)
    return Window(
        baseline=baseline,
        scoring=scoring,
        listing=listing,
        other_cpu_percent=other,
        server_cpu_ms=None
        if server_seconds is None or not options.runs
        else server_seconds / options.runs * 1000,
    )


async def measure(
    db: Database, population: Population, options: MeasureOptions, counter: DbCounter, key: str
) -> Window:
    """The quietest of up to ``1 + retries`` windows (stops at the first quiet one)."""
    best: Window | None = None
    windows = 0
    while windows <= options.retries:
        log.info("%s: %d warm-up + %d measured rounds", key, options.warmup, options.runs)
        window = await measure_window(db, population, options, counter, key)
        windows += 1
        busy = window.other_cpu_percent or 0.0
        if best is None or busy < (best.other_cpu_percent or 0.0):
            best = window
        if busy <= BUSY_PERCENT:
            break
        log.warning("%s: others used %.0f%% of a CPU meanwhile", key, busy)
    assert best is not None
    return replace(best, windows=windows)


async def check_scores(db: Database, population: Population) -> ScoreCheck:
    """The first page against the scores ``score_borrowers`` gives the same borrowers."""
    page = await list_open_loans(db, financier_id=population.financier_id, query=FIRST_PAGE)
    scores = await score_borrowers(
        db, financier_id=population.financier_id, borrower_ids=population.borrower_ids
    )
    best = sorted((score.value for score in scores.values()), reverse=True)[:PAGE_SIZE]
    counts = Counter(score.value for score in scores.values())
    return ScoreCheck(
        total=page.total,
        expected_total=population.loans,
        page_scores=tuple(card.score.value for card in page.loans),
        best_scores=tuple(best),
        page_has_reasons=all(
            bool(card.score.reasons) == (card.score.value > 0) for card in page.loans
        ),
        histogram=tuple(sorted(counts.items())),
    )
