"""Samples collected by the load driver and the numbers derived from them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sample:
    """One update: when its user-side API call started, when the bot's reply was seen.

    Times are ``time.perf_counter()`` seconds; ``ok`` is False when the reply did not
    arrive in time, did not contain the expected text, or the user-side call failed.
    """

    started: float
    finished: float
    ok: bool

    @property
    def latency(self) -> float:
        """Seconds from the user's action to the reply in the transcript."""
        return self.finished - self.started


@dataclass(frozen=True, slots=True)
class Window:
    """The measured interval (after the warm-up), in ``perf_counter`` seconds."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def holds(self, sample: Sample) -> bool:
        """Whether the sample's reply arrived inside the window."""
        return self.start <= sample.finished < self.end


@dataclass(frozen=True, slots=True)
class VariantResult:
    """What the report shows for one variant."""

    title: str
    users: int
    seconds: float
    replies: int
    errors: int
    updates_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_update: float
    db_transactions_per_update: float | None = None
    db_statements_per_update: float | None = None
    # CPU used by other processes during the window, in % of one CPU (None: unknown).
    other_cpu_percent: float | None = None


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (``fraction`` in 0..1); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(
    title: str,
    users: int,
    samples: Sequence[Sample],
    window: Window,
    cpu_seconds: float,
) -> VariantResult:
    """Throughput and latency percentiles of the samples that finished inside ``window``."""
    inside = [sample for sample in samples if window.holds(sample)]
    good = [sample.latency for sample in inside if sample.ok]
    errors = len(inside) - len(good)
    return VariantResult(
        title=title,
        users=users,
        seconds=window.seconds,
        replies=len(good),
        errors=errors,
        updates_per_second=len(good) / window.seconds if window.seconds > 0 else math.nan,
        p50_ms=percentile(good, 0.50) * 1000,
        p99_ms=percentile(good, 0.99) * 1000,
        cpu_ms_per_update=cpu_seconds * 1000 / len(inside) if inside else math.nan,
    )
