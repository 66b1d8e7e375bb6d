"""Closed-loop load through the sandbox's user-side API.

Every simulated user runs a script of steps in a loop and sends its next update only
after the bot's reply to the previous one appeared in its transcript (closed loop). A
step's latency runs from just before the user-side API call that creates the update to
the return of the transcript long poll that shows the bot's reply. The same code drives
every variant, so the measuring overhead is the same for all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import httpx

from bench.stats import Sample, Window
from sandbox.testing import Event, SandboxUser

log = logging.getLogger(__name__)

# Longest single transcript long poll; the reply deadline bounds the whole wait.
LONG_POLL_SECONDS = 10.0
# Pause after a failed step, so a broken bot cannot turn the loop into a busy spin.
ERROR_PAUSE_SECONDS = 0.2
# How many failures are logged in detail per run.
LOGGED_FAILURES = 5


@dataclass(frozen=True, slots=True)
class Step:
    """One user action and a piece of text the bot's reply to it must contain."""

    action: Literal["text", "press"]
    value: str
    expect: str


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """Timing of one variant's run: warm-up, measured window, reply deadline."""

    warmup: float
    duration: float
    reply_timeout: float = 10.0


class WindowProbe(Protocol):
    """Something measured over exactly the window (CPU time, database counters)."""

    def begin(self) -> None: ...

    def end(self) -> None: ...


@dataclass
class CpuMeter:
    """Process CPU time (all threads) spent inside the window."""

    seconds: float = 0.0
    _start: float = 0.0

    def begin(self) -> None:
        self._start = time.process_time()

    def end(self) -> None:
        self.seconds = time.process_time() - self._start


@dataclass
class MachineCpuMeter:
    """CPU time used by *other* processes on the machine inside the window (Linux only).

    Busy time from ``/proc/stat`` minus this process's CPU time; None where ``/proc``
    is missing. For PostgreSQL this includes the database server's work.
    """

    other_seconds: float | None = None
    _busy: float | None = None
    _own: float = 0.0

    @staticmethod
    def _machine_busy_seconds() -> float | None:
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = [int(value) for value in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def begin(self) -> None:
        self._busy = self._machine_busy_seconds()
        self._own = time.process_time()

    def end(self) -> None:
        busy = self._machine_busy_seconds()
        own = time.process_time() - self._own
        if busy is None or self._busy is None:
            self.other_seconds = None
        else:
            self.other_seconds = max(busy - self._busy - own, 0.0)


@dataclass
class LoadRun:
    """Raw result of a closed-loop run."""

    samples: list[Sample]
    window: Window
    failures: list[str] = field(default_factory=list)


async def _act(user: SandboxUser, step: Step) -> int:
    """Perform the step's action; return the transcript seq of the user's own event."""
    if step.action == "text":
        result = await user.send_text(step.value)
    else:
        result = await user.press(step.value)
    return int(result["seq"])


async def _next_bot_message(user: SandboxUser, after: int, deadline: float) -> Event:
    """The first new bot message after ``after`` (callback answers are skipped)."""
    scan = after
    while (remaining := deadline - time.perf_counter()) > 0:
        for event in await user.transcript(after=scan, wait=min(remaining, LONG_POLL_SECONDS)):
            scan = max(scan, int(event["seq"]))
            if event["direction"] == "bot" and event["kind"] == "message":
                return event
    raise TimeoutError(f"no bot message after seq {after}")


async def timed_step(
    user: SandboxUser, step: Step, reply_seconds: float, failures: list[str]
) -> Sample:
    """Run one step and time it; a wrong, missing or failed reply gives ``ok=False``."""
    started = time.perf_counter()
    problem: str | None = None
    try:
        after = await _act(user, step)
        reply = await _next_bot_message(user, after, started + reply_seconds)
        text = reply.get("text") or ""
        if step.expect not in text:
            problem = f"reply {text[:80]!r} lacks {step.expect!r}"
    except (AssertionError, httpx.HTTPError, TimeoutError) as error:
        problem = f"{type(error).__name__}: {str(error)[:300]}"
    finished = time.perf_counter()
    if problem is not None:
        failures.append(f"user {user.user_id}, step {step.value!r}: {problem}")
        if len(failures) <= LOGGED_FAILURES:
            log.warning("%s", failures[-1])
    return Sample(started=started, finished=finished, ok=problem is None)


async def _drive_user(
    user: SandboxUser,
    script: Sequence[Step],
    stop_at: float,
    reply_seconds: float,
    run: LoadRun,
) -> None:
    """Loop over ``script`` until ``stop_at``; after a failure start the script over."""
    index = 0
    while time.perf_counter() < stop_at:
        sample = await timed_step(user, script[index], reply_seconds, run.failures)
        run.samples.append(sample)
        if sample.ok:
            index = (index + 1) % len(script)
        else:
            index = 0
            await asyncio.sleep(ERROR_PAUSE_SECONDS)


async def _observe_window(window: Window, probes: Sequence[WindowProbe]) -> Window:
    """Sleep to the window's start, begin the probes, sleep to its end, end them.

    Returns the window as actually observed (sleeps overshoot by a little).
    """
    await asyncio.sleep(max(window.start - time.perf_counter(), 0))
    start = time.perf_counter()
    for probe in probes:
        probe.begin()
    await asyncio.sleep(max(window.end - time.perf_counter(), 0))
    for probe in probes:
        probe.end()
    return Window(start=start, end=time.perf_counter())


async def run_closed_loop(
    users: Sequence[SandboxUser],
    script: Sequence[Step],
    plan: LoadPlan,
    probes: Sequence[WindowProbe] = (),
) -> LoadRun:
    """Drive every user concurrently for warm-up + duration; stops by itself.

    Users stop issuing steps at the end of the window and finish the step in flight,
    which is bounded by ``plan.reply_timeout``.
    """
    if not script:
        raise ValueError("the script needs at least one step")
    begin = time.perf_counter()
    planned = Window(start=begin + plan.warmup, end=begin + plan.warmup + plan.duration)
    run = LoadRun(samples=[], window=planned)
    tasks = [
        asyncio.create_task(_drive_user(user, script, planned.end, plan.reply_timeout, run))
        for user in users
    ]
    try:
        run.window = await _observe_window(planned, probes)
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=plan.reply_timeout + 5)
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
    return run
