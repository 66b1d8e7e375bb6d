"""The Markdown report: one section per database between markers in ``docs/BENCHMARKS.md``.

A run replaces only its own section (``<!-- webhook-bench:sqlite:begin -->`` …
``<!-- webhook-bench:sqlite:end -->``) and keeps everything else in the file; a missing
section is appended, a missing file is created with a short header.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import aiogram

from bench.stats import VariantResult

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_THROUGHPUT_RATIO = 0.5
FILE_HEADER = """# Benchmarks

Numbers measured by the harnesses in `bench/`. Each harness owns the sections between
its `<!-- …:begin -->` / `<!-- …:end -->` markers and replaces them on every run; text
outside the markers is kept.
"""


@dataclass(frozen=True, slots=True)
class Machine:
    """Where and when the numbers were measured."""

    date: str
    cpus: int
    cpu_model: str
    python: str
    aiogram: str
    database: str
    revision: str

    @classmethod
    def current(cls, database: str) -> Machine:
        return cls(
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            cpus=len(os.sched_getaffinity(0)),
            cpu_model=_cpu_model(),
            python=platform.python_version(),
            aiogram=aiogram.__version__,
            database=database,
            revision=_git_revision(),
        )


@dataclass(frozen=True, slots=True)
class WebhookReport:
    """Everything one run of ``bench.webhook_bench`` reports for one database."""

    key: str
    machine: Machine
    baseline: VariantResult
    kopdana: VariantResult
    users: int
    warmup: float
    duration: float
    command: str
    sandbox_limits: str
    sandbox_counters: str

    @property
    def throughput_ratio(self) -> float:
        return _ratio(self.kopdana.updates_per_second, self.baseline.updates_per_second)

    @property
    def latency_ratio(self) -> float:
        """a_p50 / b_p50: 1.0 means kopdana answers as fast as the bare echo bot."""
        return _ratio(self.baseline.p50_ms, self.kopdana.p50_ms)


def _ratio(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(denominator):
        return math.nan
    return numerator / denominator


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _git_revision() -> str:
    """``HEAD``'s short hash, noting uncommitted changes (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} + uncommitted changes" if dirty else head


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def _variant_row(label: str, result: VariantResult) -> str:
    db = (
        f"{_num(result.db_transactions_per_update, 2)} / {_num(result.db_statements_per_update, 2)}"
        if result.db_transactions_per_update is not None
        else "–"
    )
    return (
        f"| {label} | {_num(result.updates_per_second)} | {_num(result.p50_ms)} | "
        f"{_num(result.p99_ms)} | {result.replies} | {result.errors} | "
        f"{_num(result.cpu_ms_per_update, 2)} | {db} |"
    )


def _other_cpu_line(report: WebhookReport) -> str:
    """How busy the rest of the machine was during the two windows."""
    server = " (the PostgreSQL server's share is in (b))" if report.key == "postgresql" else ""
    return (
        f"CPU used by other processes meanwhile: (a) {_num(report.baseline.other_cpu_percent, 0)}"
        f" %, (b) {_num(report.kopdana.other_cpu_percent, 0)} % of one CPU{server}."
    )


def markers(key: str) -> tuple[str, str]:
    """The begin and end markers of the section ``key`` (e.g. ``sqlite``)."""
    return f"<!-- webhook-bench:{key}:begin -->", f"<!-- webhook-bench:{key}:end -->"


def render_section(report: WebhookReport) -> str:
    """The section's Markdown, markers excluded."""
    m = report.machine
    meets = "yes" if report.throughput_ratio >= TARGET_THROUGHPUT_RATIO else "**no**"
    lines = [
        f"### Webhook mode: kopdana vs bare aiogram — {m.database.split(' ')[0]}",
        "",
        f"- Date: {m.date}",
        f"- Machine: {m.cpus} CPUs ({m.cpu_model}), Python {m.python}, aiogram {m.aiogram}",
        f"- Code: git {m.revision}",
        f"- Database of (b): {m.database}",
        f"- Load: {report.users} concurrent users, closed loop, {report.warmup:g} s warm-up "
        f"then {report.duration:g} s measured, per variant, same process and sandbox",
        f"- Sandbox flood limits disabled for the run ({report.sandbox_limits}); "
        f"during the run: {report.sandbox_counters}",
        "",
        "| Variant | updates/s | p50 ms | p99 ms | replies | errors | CPU ms/update "
        "| DB tx / SQL per update |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        _variant_row("(a) bare aiogram echo bot", report.baseline),
        _variant_row("(b) kopdana `/start` + menu", report.kopdana),
        "",
        _other_cpu_line(report),
        "",
        "| Ratio | value | target |",
        "|---|---:|---|",
        f"| throughput b/a | {_num(report.throughput_ratio, 2)} | ≥ "
        f"{TARGET_THROUGHPUT_RATIO} (met: {meets}) |",
        f"| latency a_p50/b_p50 | {_num(report.latency_ratio, 2)} | – |",
        "",
        "Reproduce (from the project root):",
        "",
        "```sh",
        report.command,
        "```",
    ]
    return "\n".join(lines)


def replace_section(document: str, key: str, section: str) -> str:
    """``document`` with the section ``key`` replaced by ``section`` (appended if absent)."""
    begin, end = markers(key)
    block = f"{begin}\n{section.rstrip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _match: block, document, count=1)
    return document.rstrip("\n") + "\n\n" + block + "\n"


def write_section(path: Path, key: str, section: str) -> None:
    """Replace (or add) the section ``key`` in the file at ``path``, creating it if needed."""
    document = path.read_text(encoding="utf-8") if path.exists() else FILE_HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(document, key, section), encoding="utf-8")


ABOUT_KEY = "about"
ABOUT = """## Webhook mode: kopdana vs a bare aiogram bot (`bench/webhook_bench.py`)

The harness starts the sandbox (`sandbox/`, the local Bot API emulator) in-process on
127.0.0.1 and measures two bots against it, one after the other, in the same run:

- **(a)** a bare aiogram 3 echo bot (`Dispatcher()` defaults, one handler answering the
  text) served by aiogram's `SimpleRequestHandler` on aiohttp;
- **(b)** kopdana itself: `bot.runners.WebhookRunner` on a fresh, migrated, demo-seeded
  database. Every simulated user is a registered member and loops over `/start` →
  press "👤 Profil saya" → press "🏠 Menu utama" → `/help` (two messages and two
  callback queries per round, each answered with one message).

In both, the sandbox POSTs every update to the bot's aiohttp server with the secret
header and the bot answers through the sandbox's Bot API. N users run in a closed loop:
each sends its next update only after the bot's reply to the previous one is in its
transcript. **Latency** runs from just before the user-side call that creates the update
(`POST /sandbox/api/users/{id}/messages` or `…/press`) to the return of the transcript
long poll (`GET …/transcript?wait=…`) that shows the reply; the reply text is checked.
**updates/s** counts checked replies completed inside the measured window. The same
driver code measures both variants. **CPU ms/update** is this process's CPU time (all
threads, so aiosqlite's too, but not the PostgreSQL server's) in the window per update;
**DB tx / SQL per update** counts transactions begun and SQL statements (BEGIN
excluded) on kopdana's engine per update.

Everything (sandbox, load generator, bot) shares one Python process and event loop, so
the numbers compare the cost per update of the two bots plus a common sandbox and client
cost; they are not the capacity of a production deployment. At saturation a closed loop
makes latency ≈ users / throughput, so the p50 ratio follows the throughput ratio. The
common cost depends on the environment: without `sniffio` installed, httpcore (used by
the sandbox's webhook deliverer and by the load client) retries `import sniffio` on
every lock it sets up, about 1.4 ms CPU per update here, which lowers (a) the most.
`--profile DIR` writes cProfile dumps of each window (profiled numbers are not written).
Target kept by later issues: throughput ratio b/a ≥ 0.5 on SQLite.
"""
