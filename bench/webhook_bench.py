"""Webhook benchmark: kopdana's ``/start`` + menu against a bare aiogram echo bot.

    python -m bench.webhook_bench [--users N] [--duration S] [--warmup S]
                                  [--database-url URL] [--out docs/BENCHMARKS.md]

Starts the sandbox in-process (flood limits off), then measures, in this order and in
the same run, (a) a bare aiogram echo bot and (b) kopdana's ``WebhookRunner`` on a fresh
database (a temporary SQLite file, or ``--database-url`` for PostgreSQL), each with N
closed-loop users. Prints the table and writes it between markers in ``--out``.
Everything listens on 127.0.0.1 only, and every wait is bounded, so it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import shlex
import socket
from collections.abc import Sequence
from dataclasses import dataclass, replace
from html import unescape
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from backend.i18n import load_translations
from backend.settings import PROJECT_ROOT
from bench.echo_bot import EchoBotServer
from bench.kopdana_target import (
    DbCounter,
    KopdanaDeployment,
    describe_database,
    kopdana_database,
    kopdana_settings,
    running_kopdana,
)
from bench.load import (
    CpuMeter,
    LoadPlan,
    MachineCpuMeter,
    Step,
    WindowProbe,
    run_closed_loop,
)
from bench.profiling import ProfilerProbe
from bench.report import (
    ABOUT,
    ABOUT_KEY,
    Machine,
    WebhookReport,
    render_section,
    write_section,
)
from bench.stats import VariantResult, summarize
from sandbox.testing import SandboxServer, SandboxUser

log = logging.getLogger("bench.webhook_bench")

ECHO_BOT_TOKEN = "7000000002:bench-echo-token"
DEFAULT_OUT = Path("docs/BENCHMARKS.md")
DEFAULT_REPLY_TIMEOUT = 10.0
FLOOD_LIMITS_OFF = {"per_chat_limit": 0, "global_limit": 0}
MAX_WEBHOOK_CONNECTIONS = 100
# Other processes using more than this share of a CPU during a window get a warning.
BUSY_MACHINE_PERCENT = 10.0  # the Bot API's (and the sandbox's) upper bound
TRANSLATIONS = load_translations(PROJECT_ROOT / "locales")


@dataclass(frozen=True, slots=True)
class Options:
    """Command-line options."""

    users: int
    duration: float
    warmup: float
    reply_timeout: float
    database_url: str | None
    out: Path | None
    profile: Path | None = None

    @property
    def plan(self) -> LoadPlan:
        return LoadPlan(
            warmup=self.warmup, duration=self.duration, reply_timeout=self.reply_timeout
        )

    @property
    def database_key(self) -> str:
        if self.database_url is None:
            return "sqlite"
        return make_url(self.database_url).get_backend_name()


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Read and check the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhook_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--users", type=int, default=20, help="concurrent users (1-1000)")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds")
    parser.add_argument(
        "--reply-timeout",
        type=float,
        default=DEFAULT_REPLY_TIMEOUT,
        help="seconds to wait for one reply",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL for (b), e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/"
        "kopdana_bench (its schema is dropped and migrated); default: a temp SQLite file",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report")
    parser.add_argument("--no-write", action="store_true", help="only print the table")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="cProfile each measured window into DIR/<variant>.prof (implies --no-write)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 1000:
        parser.error("--users must be between 1 and 1000")
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 120):
        parser.error("--duration must be in (0, 600] and --warmup in [0, 120]")
    if not 0 < args.reply_timeout <= 60:
        parser.error("--reply-timeout must be in (0, 60]")
    return Options(
        users=args.users,
        duration=args.duration,
        warmup=args.warmup,
        reply_timeout=args.reply_timeout,
        database_url=args.database_url,
        out=None if args.no_write or args.profile else args.out,
        profile=args.profile,
    )


# -- workloads -----------------------------------------------------------------------------


def catalog_text(key: str) -> str:
    """The Indonesian catalog text as the user sees it (HTML removed), up to a placeholder."""
    raw = TRANSLATIONS["id"].gettext(key)
    plain = unescape(re.sub(r"<[^>]+>", "", raw))
    return plain.split("{", 1)[0].splitlines()[0].strip()


def kopdana_script() -> list[Step]:
    """``/start`` → profile → back to the menu → ``/help``, as a registered member."""
    menu = catalog_text("menu.status_line")
    return [
        Step("text", "/start", expect=menu),
        Step("press", catalog_text("menu.button.profile"), expect=catalog_text("profile.text")),
        Step("press", catalog_text("menu.button.back_to_menu"), expect=menu),
        Step("text", "/help", expect=catalog_text("help.text")),
    ]


def echo_script() -> list[Step]:
    """Plain texts the echo bot repeats."""
    return [Step("text", text, expect=text) for text in ("halo", "menu utama", "bantuan")]


# -- plumbing ------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_client(base_url: str, users: int) -> httpx.AsyncClient:
    """The users' HTTP client: enough connections for a send and a long poll per user."""
    connections = 2 * users + 10
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, timeout=30, trust_env=False, limits=limits)


async def configure_sandbox(sandbox: SandboxServer, users: int) -> str:
    """Switch flood control off and allow one webhook connection per user (up to 100)."""
    connections = min(MAX_WEBHOOK_CONNECTIONS, max(40, users))
    config = await sandbox.set_config(
        **FLOOD_LIMITS_OFF, webhook_default_max_connections=connections
    )
    if config["per_chat_limit"] or config["global_limit"]:
        raise RuntimeError(f"the sandbox kept its flood limits: {config}")
    return "per_chat_limit=0, global_limit=0 via `PUT /sandbox/api/config`"


async def create_users(
    sandbox: SandboxServer, client: httpx.AsyncClient, user_ids: Sequence[int], bot_id: int
) -> list[SandboxUser]:
    """Make sure the sandbox knows every user; handles talking to ``bot_id``."""
    for user_id in user_ids:
        await sandbox.create_user(user_id, "Anggota", last_name=str(user_id), language_code="id")
    return [SandboxUser(client, user_id, bot_id=bot_id) for user_id in user_ids]


async def sandbox_counters(sandbox: SandboxServer) -> tuple[int, int]:
    """Flood-control refusals (429) and failed webhook deliveries so far."""
    stats = await sandbox.stats()
    return int(stats["too_many_requests"]), int(stats["webhook_failures"])


async def measure(
    title: str,
    users: Sequence[SandboxUser],
    script: Sequence[Step],
    options: Options,
    counter: DbCounter | None = None,
) -> VariantResult:
    """Run the closed loop for one variant and summarize it."""
    plan = options.plan
    cpu, machine = CpuMeter(), MachineCpuMeter()
    probes: list[WindowProbe] = [cpu, machine] if counter is None else [cpu, machine, counter]
    if options.profile is not None:
        probes.append(ProfilerProbe(options.profile, title.split(" ")[0].strip("()")))
    log.info("measuring %s: %d users, %gs + %gs", title, len(users), plan.warmup, plan.duration)
    run = await run_closed_loop(users, script, plan, probes)
    result = summarize(title, len(users), run.samples, run.window, cpu.seconds)
    if machine.other_seconds is not None:
        other = 100 * machine.other_seconds / run.window.seconds
        result = replace(result, other_cpu_percent=other)
        if other > BUSY_MACHINE_PERCENT:
            log.warning("%s: other processes used %.0f%% of a CPU meanwhile", title, other)
    handled = result.replies + result.errors
    if counter is not None and handled:
        result = replace(
            result,
            db_transactions_per_update=counter.transactions / handled,
            db_statements_per_update=counter.statements / handled,
        )
    if run.failures:
        log.warning("%s: %d failed steps, first: %s", title, len(run.failures), run.failures[0])
    return result


# -- the two variants ----------------------------------------------------------------------


async def run_baseline(
    sandbox: SandboxServer, client: httpx.AsyncClient, user_ids: Sequence[int], options: Options
) -> VariantResult:
    """(a) the bare aiogram echo bot."""
    echo = EchoBotServer(sandbox.telegram_api_server(), ECHO_BOT_TOKEN, free_port())
    await echo.start()
    try:
        users = await create_users(sandbox, client, user_ids, echo.bot.id)
        return await measure("(a) bare aiogram echo bot", users, echo_script(), options)
    finally:
        await echo.stop()


async def run_kopdana(
    sandbox: SandboxServer,
    client: httpx.AsyncClient,
    deployment: KopdanaDeployment,
    options: Options,
    counter: DbCounter,
) -> VariantResult:
    """(b) kopdana's ``WebhookRunner``; every user a registered member."""
    settings = kopdana_settings(
        deployment.database_url, sandbox.api_url, sandbox.bot_token, free_port()
    )
    async with running_kopdana(settings, deployment.db) as runner:
        users = await create_users(sandbox, client, deployment.member_ids, runner.bot.id)
        return await measure(
            "(b) kopdana /start + menu", users, kopdana_script(), options, counter
        )


# -- the run -------------------------------------------------------------------------------


def reproduce_command(options: Options) -> str:
    """The command line of this run with every option spelled out, password hidden."""
    words = [
        ".venv/bin/python", "-m", "bench.webhook_bench",
        "--users", str(options.users),
        "--warmup", f"{options.warmup:g}",
        "--duration", f"{options.duration:g}",
    ]
    if options.reply_timeout != DEFAULT_REPLY_TIMEOUT:
        words += ["--reply-timeout", f"{options.reply_timeout:g}"]
    if options.database_url is not None:
        url = make_url(options.database_url).render_as_string(hide_password=True)
        words += ["--database-url", url]
    if options.out is not None and options.out != DEFAULT_OUT:
        words += ["--out", str(options.out)]
    return shlex.join(words)


async def run(options: Options) -> WebhookReport:
    """Both variants in one sandbox, one after the other; returns the report."""
    async with (
        kopdana_database(options.database_url, options.users) as deployment,
        SandboxServer() as sandbox,
        load_client(sandbox.base_url, options.users) as client,
    ):
        limits = await configure_sandbox(sandbox, options.users)
        counter = DbCounter()
        counter.attach(deployment.db)
        baseline = await run_baseline(sandbox, client, deployment.member_ids, options)
        kopdana = await run_kopdana(sandbox, client, deployment, options, counter)
        refused, failed = await sandbox_counters(sandbox)
    return WebhookReport(
        key=options.database_key,
        machine=Machine.current(describe_database(deployment.database_url)),
        baseline=baseline,
        kopdana=kopdana,
        users=options.users,
        warmup=options.warmup,
        duration=options.duration,
        command=reproduce_command(options),
        sandbox_limits=limits,
        sandbox_counters=f"{refused} × 429, {failed} failed webhook deliveries",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (1 when any step failed)."""
    options = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    report = asyncio.run(run(options))
    section = render_section(report)
    print(section)
    if options.profile is not None:
        print(f"\nprofiled run (numbers inflated, nothing written): {options.profile}/a.prof, "
              f"{options.profile}/b.prof; read them with `python -m pstats`")
    if options.out is not None:
        write_section(options.out, ABOUT_KEY, ABOUT)
        write_section(options.out, report.key, section)
        print(f"\nwritten to {options.out}")
    return 1 if report.baseline.errors or report.kopdana.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
