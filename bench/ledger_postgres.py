"""PostgreSQL side of the ledger benchmark: scratch databases, checkpoints and ``pgbench``.

``pgbench`` runs its built-in TPC-B-like script (``-b tpcb-like``) against a database of
its own on the same server, with the same client count as kopdana's workload. Its
``tps`` line is the baseline; per-transaction logs (``-l``) give its latency percentiles.
Only databases whose name contains ``bench`` are dropped (a typo must not wipe data).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from backend.db.engine import null_pool_engine
from bench.stats import percentile

PGBENCH_THREADS = 2
_TPS = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)", re.MULTILINE)
_PROCESSED = re.compile(r"number of transactions actually processed: (\d+)")
_FAILED = re.compile(r"number of failed transactions: (\d+)")
_LATENCY = re.compile(r"latency average = ([0-9.]+) ms")


@dataclass(frozen=True, slots=True)
class PgbenchResult:
    """What ``pgbench`` printed, plus latency percentiles from its transaction logs."""

    tps: float
    transactions: int
    failed: int
    latency_average_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    command: str


def _require_bench_name(name: str | None) -> str:
    if not name or "bench" not in name:
        raise SystemExit(
            f"refusing to drop database {name!r}: use a name containing 'bench' "
            "(e.g. kopdana_ledger_bench)"
        )
    return name


def _admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


async def recreate_database(url: str) -> None:
    """Drop (forcibly) and create the database named in ``url``."""
    name = _require_bench_name(make_url(url).database)
    engine = null_pool_engine(_admin_url(url))
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


async def drop_database(url: str) -> None:
    """Drop the database named in ``url`` if it exists."""
    name = _require_bench_name(make_url(url).database)
    engine = null_pool_engine(_admin_url(url))
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


async def checkpoint(url: str) -> None:
    """Flush dirty buffers (``CHECKPOINT``), so one window does not pay for the previous."""
    engine = null_pool_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("CHECKPOINT"))
    finally:
        await engine.dispose()


async def server_description(url: str) -> str:
    """Server version and the durability settings that decide commit cost."""
    engine = null_pool_engine(url)
    try:
        async with engine.connect() as connection:
            version = await connection.scalar(text("SHOW server_version"))
            settings = [
                f"{name}={await connection.scalar(text(f'SHOW {name}'))}"
                for name in ("synchronous_commit", "fsync", "shared_buffers")
            ]
    finally:
        await engine.dispose()
    return f"PostgreSQL {version} ({', '.join(settings)})"


def pgbench_url(url: str) -> str:
    """The pgbench database's URL: the kopdana one's name with ``_pgbench`` appended."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_pgbench").render_as_string(hide_password=False)


def _connection_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _pgbench_binary() -> str:
    binary = shutil.which("pgbench")
    if binary is None:
        raise SystemExit("pgbench not found on PATH (Debian: apt-get install postgresql-client)")
    return binary


async def _run(args: list[str], env: dict[str, str], seconds: float) -> str:
    """Run ``args`` for at most ``seconds``; its output, or ``RuntimeError`` on failure."""
    process = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(seconds):
            output, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    text_output = output.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({process.returncode}):\n{text_output}")
    return text_output


async def pgbench_initialize(url: str, scale: int) -> None:
    """``pgbench -i -s scale`` into a fresh database (server-side data generation)."""
    await recreate_database(url)
    parsed = make_url(url)
    connection, env = _connection_args(parsed)
    args = [_pgbench_binary(), "-i", "-q", "-I", "dtGvp", "-s", str(scale), *connection]
    await _run([*args, str(parsed.database)], env, seconds=1800)


def _log_latencies(directory: Path) -> list[float]:
    """Transaction latencies (seconds) from ``pgbench -l`` files (third column, µs)."""
    latencies: list[float] = []
    for path in directory.glob("pgbench_log*"):
        for line in path.read_text(encoding="ascii").splitlines():
            fields = line.split()
            if len(fields) >= 3:
                latencies.append(int(fields[2]) / 1_000_000)
    return latencies


def _match(pattern: re.Pattern[str], output: str) -> str:
    found = pattern.search(output)
    if found is None:
        raise RuntimeError(f"unexpected pgbench output (no {pattern.pattern!r}):\n{output}")
    return found.group(1)


async def pgbench_run(url: str, clients: int, duration: float) -> PgbenchResult:
    """The built-in TPC-B-like script, ``clients`` clients on 2 threads, for ``duration`` s."""
    parsed = make_url(url)
    connection, env = _connection_args(parsed)
    seconds = max(1, round(duration))
    options = ["-b", "tpcb-like", "-c", str(clients), "-j", str(PGBENCH_THREADS)]
    options += ["-T", str(seconds)]
    with tempfile.TemporaryDirectory(prefix="kopdana-pgbench-") as directory:
        prefix = str(Path(directory) / "pgbench_log")
        args = [_pgbench_binary(), *options, "-l", "--log-prefix", prefix, *connection]
        output = await _run([*args, str(parsed.database)], env, seconds=seconds + 300)
        latencies = _log_latencies(Path(directory))
    failed = _FAILED.search(output)
    return PgbenchResult(
        tps=float(_match(_TPS, output)),
        transactions=int(_match(_PROCESSED, output)),
        failed=int(failed.group(1)) if failed else 0,
        latency_average_ms=float(_match(_LATENCY, output)),
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        command=" ".join(["pgbench", *options, str(parsed.database)]),
    )


async def vacuum_analyze(url: str) -> None:
    """``VACUUM ANALYZE`` the database, as ``pgbench`` does to its tables before a run."""
    engine = null_pool_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
