"""The ledger benchmark's Markdown: one section between ``<!-- ledger-bench:begin -->`` and
``<!-- ledger-bench:end -->`` in ``docs/BENCHMARKS.md``, replaced on every run.

The machine and git description come from ``bench.report`` (the webhook harness), and so
does the header of a new file; text outside the markers is kept.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from bench.ledger_workload import Figures
from bench.report import FILE_HEADER, Machine, _num, _ratio

BEGIN_MARKER = "<!-- ledger-bench:begin -->"
END_MARKER = "<!-- ledger-bench:end -->"
TARGET_PGBENCH_RATIO = 0.3
TARGET_SQLITE_P99_MS = 60.0


@dataclass(frozen=True, slots=True)
class LedgerCheck:
    """Invariants after the run: ``check_ledger`` plus the harness's own bookkeeping."""

    violations: tuple[str, ...]  # "code ×rows", one per broken invariant
    conserved: bool
    funded_total: int
    entries_expected: int
    entries_found: int

    violation_rows: int = 0  # offending rows ``check_ledger`` listed (≤ 20 per invariant)

    @property
    def ok(self) -> bool:
        return not self.violations and self.conserved and self.entries_ok

    @property
    def entries_ok(self) -> bool:
        return self.entries_expected == self.entries_found


@dataclass(frozen=True, slots=True)
class DatabaseResult:
    """One database's figures: the baseline, kopdana and (PostgreSQL) a bare UPDATE loop."""

    key: str  # "postgresql" or "sqlite"
    machine: Machine
    server: str
    baseline: Figures
    kopdana: Figures
    check: LedgerCheck
    accounts: int
    bare_update: Figures | None = None
    baseline_command: str | None = None  # Markdown: how (a) was run, when it is a command

    @property
    def ratio(self) -> float:
        """kopdana's committed transfers/s over the baseline's transactions/s."""
        return _ratio(self.kopdana.per_second, self.baseline.per_second)

    @property
    def meets_target(self) -> bool:
        if self.key == "postgresql":
            return self.ratio >= TARGET_PGBENCH_RATIO and self.check.ok
        return self.kopdana.p99_ms < TARGET_SQLITE_P99_MS and self.check.ok


@dataclass(frozen=True, slots=True)
class LedgerBenchReport:
    """Everything one run of ``bench.ledger_bench`` reports."""

    clients: int
    warmup: float
    duration: float
    accounts: int
    command: str
    postgresql: DatabaseResult | None = None
    sqlite: DatabaseResult | None = None

    @property
    def results(self) -> tuple[DatabaseResult, ...]:
        return tuple(r for r in (self.postgresql, self.sqlite) if r is not None)


def _row(label: str, figures: Figures) -> str:
    cpu = " / ".join(
        _num(value, 2)
        for value in (figures.client_cpu_ms, figures.server_cpu_ms, figures.other_cpu_ms)
    )
    sql = (
        f"{_num(figures.transactions_per_op, 2)} / {_num(figures.statements_per_op, 2)}"
        if figures.statements_per_op is not None
        else "–"
    )
    if figures.windows > 1:
        label += f" (quietest of {figures.windows} windows)"
    return (
        f"| {label} | {_num(figures.per_second)} | {_num(figures.p50_ms)} | "
        f"{_num(figures.p95_ms)} | {_num(figures.p99_ms)} | {figures.committed:,} | "
        f"{figures.refused:,} | {figures.errors} | {cpu} | {sql} |"
    )


def _check_lines(check: LedgerCheck) -> list[str]:
    found = ", ".join(check.violations) if check.violations else "none"
    return [
        f"- `check_ledger` after the run: **{check.violation_rows} violations** ({found}).",
        f"- Money conserved (Σ all balances = 0, the wallets hold the "
        f"{check.funded_total:,} rupiah of funding): {'yes' if check.conserved else '**no**'}.",
        f"- Journal entries in the database = funding + transfers the workers saw commit "
        f"(warm-up included): {check.entries_found:,} = {check.entries_expected:,} "
        f"({'yes' if check.entries_ok else '**no**'}).",
    ]


TABLE_HEAD = [
    "| Variant | tx/s | p50 ms | p95 ms | p99 ms | committed | refused | errors "
    "| CPU ms/op: client / server / other | DB tx / SQL per op |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def _header(result: DatabaseResult, report: LedgerBenchReport, title: str) -> list[str]:
    m = result.machine
    return [
        f"### {title}",
        "",
        f"- Date: {m.date}; code: git {m.revision}",
        f"- Machine: {m.cpus} CPUs ({m.cpu_model}), Python {m.python}; {result.server}",
        f"- Database: {m.database}",
        f"- Load: {report.clients} concurrent clients, closed loop, {report.warmup:g} s warm-up "
        f"then {report.duration:g} s measured; {result.accounts:,} wallets",
        "",
    ]


def render_postgresql(result: DatabaseResult, report: LedgerBenchReport) -> list[str]:
    assert result.bare_update is not None
    met = "yes" if result.meets_target else "**no**"
    context = _ratio(result.kopdana.per_second, result.bare_update.per_second)
    return [
        *_header(result, report, "PostgreSQL: kopdana ledger vs pgbench (TPC-B-like)"),
        *TABLE_HEAD,
        _row(f"(a) {result.baseline_command}", result.baseline),
        _row("(b) kopdana `ledger.transfer`", result.kopdana),
        _row("(c) bare SQLAlchemy single-UPDATE transaction", result.bare_update),
        "",
        "| Ratio | value | target |",
        "|---|---:|---|",
        f"| transfers/s b / pgbench tps a | {_num(result.ratio, 2)} | ≥ {TARGET_PGBENCH_RATIO}"
        f" with 0 violations (met: {met}) |",
        f"| b / c (cost of the ledger over the cheapest write on this stack) | "
        f"{_num(context, 2)} | – |",
        "",
        *_check_lines(result.check),
        *_client_ceiling(result),
    ]


def _client_ceiling(result: DatabaseResult) -> list[str]:
    """What kopdana's own CPU per transfer allows on one event loop, and what the target needs."""
    client = result.kopdana.client_cpu_ms
    needed = TARGET_PGBENCH_RATIO * result.baseline.per_second
    if client is None or not client or not needed:
        return []
    return [
        f"- Where the time goes: the harness's one event loop (one CPU) spent "
        f"{_num(client, 2)} ms per kopdana transfer, which caps (b) near "
        f"{_num(1000 / client, 0)} transfers/s whatever the server does; the target, "
        f"{_num(needed, 0)} transfers/s, needs ≤ {_num(1000 / needed, 2)} ms of client CPU "
        f"per transfer (the server's share is in the table). `--profile DIR` writes a "
        f"cProfile of (b)'s window."
    ]


def render_sqlite(result: DatabaseResult, report: LedgerBenchReport) -> list[str]:
    met = "yes" if result.meets_target else "**no**"
    return [
        *_header(result, report, "SQLite: kopdana ledger vs a bare single-UPDATE loop"),
        *TABLE_HEAD,
        _row("(a) bare SQLAlchemy single-UPDATE transaction", result.baseline),
        _row("(b) kopdana `ledger.transfer`", result.kopdana),
        "",
        "| Ratio / target | value | target |",
        "|---|---:|---|",
        f"| kopdana p99 at {report.clients} writers | {_num(result.kopdana.p99_ms)} ms "
        f"| < {TARGET_SQLITE_P99_MS:g} ms with 0 violations (met: {met}) |",
        f"| transfers/s b / UPDATEs/s a | {_num(result.ratio, 2)} | – |",
        "",
        *_check_lines(result.check),
        *_write_lock_queue(result, report.clients),
    ]


def _write_lock_queue(result: DatabaseResult, clients: int) -> list[str]:
    """SQLite serialises writers: latency ≈ writers × the time one transfer holds the lock."""
    rate = result.kopdana.per_second
    if not rate or math.isnan(rate):
        return []
    held = 1000 / rate
    return [
        f"- Where the time goes: every write holds the one write lock, so a transfer holds "
        f"it ≈ 1000 / (b's tx/s) = {_num(held, 2)} ms and {clients} writers queue "
        f"≈ {_num(clients * held, 0)} ms (measured p50 {_num(result.kopdana.p50_ms, 0)} ms). "
        f"p99 < {TARGET_SQLITE_P99_MS:g} ms needs roughly ≤ "
        f"{_num(TARGET_SQLITE_P99_MS / clients, 2)} ms per transfer inside the lock "
        f"(≥ {_num(clients * 1000 / TARGET_SQLITE_P99_MS, 0)} transfers/s); the client CPU "
        f"per transfer, this one inside the lock, is in the table."
    ]


METHOD = """## Ledger throughput under concurrency (`bench/ledger_bench.py`)

**kopdana (b)**: N member wallets and a bank clearing account are opened with
`ledger.open_account` and each wallet is funded with 1,000,000 rupiah from the bank by
`ledger.transfer`. Then C asyncio workers, in one process, run closed loops (no think
time) of `ledger.transfer(db, from_account_id=…, to_account_id=…, amount=…,
idempotency_key=…, now=…)` between two random wallets, each call with a new key. One
transfer in ten asks 1–3 million rupiah, usually more than the sender has, so
`InsufficientFunds` refusals happen; they are counted as **refused**, not in tx/s.
**tx/s** counts operations that committed and returned inside the measured window;
latency runs from the call to its return (waiting for a pooled connection or for
SQLite's write lock included) and its percentiles are over the committed operations.
After the run `check_ledger` must report no violation, Σ of all balances must be 0 with
the wallets holding exactly the funding, and the journal must hold exactly one entry per
funding and per transfer the workers saw commit.

**Baselines, measured in the same run on the same server:** on PostgreSQL, (a) is
`pgbench`'s built-in TPC-B-like script (3 UPDATEs, a SELECT and an INSERT per
transaction) with the same client count, 2 threads, on its own database initialised
with scale = C (so its branch rows are not a contention point), its latency
percentiles from its per-transaction log; (c) is one bare `UPDATE` of a random row per
transaction through kopdana's own `Database` (same engine, pool and settings) in the
same driver as (b), for context. SQLite has no `pgbench`, so there (a) is that bare
single-UPDATE loop, on the same file and `Database` (WAL, `synchronous=FULL`,
`BEGIN IMMEDIATE`, the in-process write lock) at the same concurrency. A `CHECKPOINT`
precedes each PostgreSQL window.

**CPU ms/op** splits the CPU time used in the window, per operation attempted: the
client (this Python process, all threads, for (b) and (c); the `pgbench` process for
(a)) / the PostgreSQL server (all `postgres` processes; – for SQLite, which runs inside
the client) / everything else on the machine (other people's work; ideally near 0).
**DB tx / SQL per op** counts transactions begun and statements sent (BEGIN excluded)
on the engine. kopdana's workers share one Python process and event loop, as in a
kopdana process, so (b) and (c) can use at most one CPU of client time; `pgbench` is C
on 2 threads. The harness waits (up to `--quiet-wait` s) for a quiet machine before
each window and measures a window again (up to `--retries` times, reporting the
quietest) when other processes used more than a quarter of a CPU during it. The
machine has 2 CPUs shared by client, server and whatever else runs: quiet runs move by
±10–20 %, runs beside other work by a factor of two or more (kopdana's transfers/s on
PostgreSQL went from 85 to 225 between a busy and a quiet run), so read the "other"
CPU column, and compare figures only within a run.
Targets: transfers/s ≥ 0.3 × pgbench tps with zero violations; SQLite p99 < 60 ms at
20 concurrent writers.
"""


def render(report: LedgerBenchReport) -> str:
    """The whole section's Markdown, markers excluded."""
    parts = [METHOD.rstrip()]
    if report.postgresql is not None:
        parts.append("\n".join(render_postgresql(report.postgresql, report)))
    if report.sqlite is not None:
        parts.append("\n".join(render_sqlite(report.sqlite, report)))
    parts.append(
        "\n".join(["Reproduce (from the project root):", "", "```sh", report.command, "```"])
    )
    return "\n\n".join(parts)


def replace_marked(document: str, section: str) -> str:
    """``document`` with the text between the ledger markers replaced (appended if absent)."""
    block = f"{BEGIN_MARKER}\n{section.rstrip()}\n{END_MARKER}"
    pattern = re.compile(re.escape(BEGIN_MARKER) + r".*?" + re.escape(END_MARKER), re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _match: block, document, count=1)
    return document.rstrip("\n") + "\n\n" + block + "\n"


def write_report(path: Path, section: str) -> None:
    """Replace (or add) the ledger section in the file at ``path``, creating it if needed."""
    document = path.read_text(encoding="utf-8") if path.exists() else FILE_HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_marked(document, section), encoding="utf-8")
