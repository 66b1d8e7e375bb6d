"""Who used the CPU during a window: this process, a local PostgreSQL server, the rest.

Linux only (``/proc``); every meter reports None where it cannot measure. The server's
CPU is the sum of ``utime + stime + cutime + cstime`` over the processes named
``postgres``: backends that exit inside the window are reaped by the postmaster, so
their time moves into its ``cutime``/``cstime`` and the difference stays right.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import MachineCpuMeter

log = logging.getLogger(__name__)

QUIET_PERCENT = 15.0  # other processes' share of one CPU that counts as a quiet machine


def postgres_cpu_seconds() -> float | None:
    """CPU seconds used so far by the local ``postgres`` processes and their reaped children."""
    ticks = 0
    found = False
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return None
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        head, _, rest = stat.rpartition(")")
        if head.partition("(")[2] != "postgres":
            continue
        fields = rest.split()
        # After the command: state ppid … utime(11) stime(12) cutime(13) cstime(14).
        ticks += sum(int(value) for value in fields[11:15])
        found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


@dataclass
class ServerCpuMeter:
    """CPU time of the local PostgreSQL server inside the window (None if not visible)."""

    seconds: float | None = None
    _start: float | None = None

    def begin(self) -> None:
        self._start = postgres_cpu_seconds()

    def end(self) -> None:
        end = postgres_cpu_seconds()
        self.seconds = None if end is None or self._start is None else max(end - self._start, 0)


@dataclass
class ChildCpuMeter:
    """CPU time of this process's finished children (``pgbench``) inside the window."""

    seconds: float = 0.0
    _start: float = 0.0

    @staticmethod
    def _children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def begin(self) -> None:
        self._start = self._children()

    def end(self) -> None:
        self.seconds = self._children() - self._start


async def other_cpu_percent(seconds: float = 1.0) -> float | None:
    """How much of one CPU the other processes used over the next ``seconds``."""
    meter = MachineCpuMeter()
    meter.begin()
    await asyncio.sleep(seconds)
    meter.end()
    return None if meter.other_seconds is None else 100 * meter.other_seconds / seconds


async def wait_for_quiet(max_wait: float) -> float | None:
    """Wait (at most ``max_wait`` s) until other processes use under 15 % of a CPU.

    Returns the last measured share; a busy machine after ``max_wait`` is logged and the
    run goes on (each window records the CPU others used meanwhile).
    """
    if max_wait <= 0:
        return None
    deadline = time.monotonic() + max_wait
    while True:
        share = await other_cpu_percent()
        if share is None or share < QUIET_PERCENT:
            return share
        if time.monotonic() >= deadline:
            log.warning(
                "machine still busy after %.0f s: others use %.0f%% of a CPU", max_wait, share
            )
            return share
        log.info("waiting for a quiet machine: others use %.0f%% of a CPU", share)
        await asyncio.sleep(2)
