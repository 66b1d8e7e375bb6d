"""The ``kopdana`` command: the composition root for bot, admin web and sandbox.

kopdana run          everything for the embedded default (migrate, seed, sandbox, bot, admin)
kopdana bot          the bot alone (polling or webhook, from settings)
kopdana admin        the admin web alone
kopdana sandbox      the local Telegram Bot API emulator alone
kopdana migrate      apply database migrations
kopdana seed-demo    demo branches and members
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import getpass
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn

from backend.db.engine import Database
from backend.db.migrate import upgrade_database
from backend.domain.errors import KopdanaError
from backend.services.demo import DEMO_MEMBERS, seed_demo
from backend.services.staff import create_superadmin, seed_demo_staff
from backend.settings import Settings
from bot.schedule_command import add_schedule_arguments, cmd_schedule

log = logging.getLogger("kopdana")


def _today(settings: Settings) -> dt.date:
    return dt.datetime.now(ZoneInfo(settings.default_timezone)).date()


async def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> None:
    await upgrade_database(settings.database_url)
    print("database is up to date")


async def cmd_seed_demo(settings: Settings, _args: argparse.Namespace) -> None:
    await upgrade_database(settings.database_url)
    db = Database.from_url(settings.database_url)
    try:
        report = await seed_demo(db, today=_today(settings))
        accounts = await seed_demo_staff(db, now=dt.datetime.now(dt.UTC))
    finally:
        await db.dispose()
    print(
        f"demo data: {report.branches_created} branches and "
        f"{report.members_created} members created"
    )
    print("demo staff accounts for the admin web (local demo only):")
    for username, password, role in accounts:
        print(f"  {username:<15} {password:<26} {role}")


async def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> None:
    """Create the first superadmin; the password comes from KOPDANA_ADMIN_PASSWORD or a prompt."""
    from_env = os.environ.get("KOPDANA_ADMIN_PASSWORD")
    password = from_env or getpass.getpass("Password: ")
    if not from_env and getpass.getpass("Again: ") != password:
        raise SystemExit("the passwords differ")
    await upgrade_database(settings.database_url)
    db = Database.from_url(settings.database_url)
    try:
        admin = await create_superadmin(
            db,
            username=args.username,
            full_name=args.full_name,
            password=password,
            now=dt.datetime.now(dt.UTC),
        )
    except KopdanaError as error:
        raise SystemExit(f"not created: {error.code} {dict(error.params)}") from None
    finally:
        await db.dispose()
    print(f"superadmin {admin.username} created")


def _create_runner(settings: Settings, db: Database) -> Any:
    # Imported on use: aiogram takes seconds to import, and `check`, `migrate` and
    # `schedule` (run by scripts and the crash test) do not need it.
    from bot.runners import create_runner

    return create_runner(settings, db)


def _uvicorn_server(app: object, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")  # type: ignore[arg-type]
    return uvicorn.Server(config)


async def _serve_until_stopped(server: uvicorn.Server) -> asyncio.Task[None]:
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError("server failed to start")
        await asyncio.sleep(0.05)
    return task


def _sandbox_server(settings: Settings) -> uvicorn.Server:
    from sandbox.app import create_app as create_sandbox_app

    return _uvicorn_server(create_sandbox_app(), settings.sandbox_host, settings.sandbox_port)


async def _introduce_demo_members_to_sandbox(settings: Settings) -> None:
    """Let people chat as the seeded, already registered members too."""
    base = f"http://{settings.sandbox_host}:{settings.sandbox_port}/sandbox/api"
    async with httpx.AsyncClient(timeout=5) as client:
        for demo in DEMO_MEMBERS:
            first, _, last = demo.full_name.partition(" ")
            await client.put(
                f"{base}/users/{demo.telegram_user_id}",
                json={
                    "first_name": first,
                    "last_name": last,
                    "language_code": "id",
                    "phone_number": demo.phone,
                },
            )


async def cmd_run(settings: Settings, args: argparse.Namespace) -> None:
    """Migrate, seed, then run sandbox (when no token), bot and admin web together."""
    await cmd_seed_demo(settings, args)  # migrates first
    db = Database.from_url(settings.database_url)
    tasks: list[asyncio.Task[None]] = []
    servers: list[uvicorn.Server] = []
    runner = None
    try:
        if settings.uses_sandbox:
            sandbox = _sandbox_server(settings)
            servers.append(sandbox)
            tasks.append(await _serve_until_stopped(sandbox))
            await _introduce_demo_members_to_sandbox(settings)
        from admin_web.app import create_app as create_admin_app

        admin = _uvicorn_server(
            create_admin_app(settings, db), settings.admin_host, settings.admin_port
        )
        servers.append(admin)
        tasks.append(await _serve_until_stopped(admin))
        runner = _create_runner(settings, db)
        await runner.start()
        print("\nkopdana is running:")
        if settings.uses_sandbox:
            print(
                f"  chat with the bot (sandbox): http://{settings.sandbox_host}:{settings.sandbox_port}/"
            )
        print(
            f"  admin web:                   http://{settings.admin_host}:{settings.admin_port}/"
        )
        print(f"  bot mode:                    {settings.bot_mode}")
        print("Press Ctrl+C to stop.\n", flush=True)
        await runner.wait()
    finally:
        if runner is not None:
            await runner.stop()
        for server in servers:
            server.should_exit = True
        for task in tasks:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        await db.dispose()


async def cmd_bot(settings: Settings, _args: argparse.Namespace) -> None:
    db = Database.from_url(settings.database_url)
    runner = _create_runner(settings, db)
    try:
        await runner.start()
        await runner.wait()
    finally:
        await runner.stop()
        await db.dispose()


async def cmd_notifier(settings: Settings, _args: argparse.Namespace) -> None:
    """A notifier worker alone (the bot process runs one too); several may run at once."""
    from backend.i18n import load_translations
    from bot.notifier import Notifier, create_notifier_bot

    db = Database.from_url(settings.database_url)
    notifier = Notifier(
        create_notifier_bot(settings),
        db,
        load_translations(settings.locales_dir),
        default_locale=settings.default_locale,
    )
    try:
        await notifier.start()
        await notifier.wait()
    finally:
        await notifier.stop()
        await notifier.bot.session.close()
        await db.dispose()


async def cmd_check(settings: Settings, _args: argparse.Namespace) -> None:
    """Check the ledger's invariants on live data; exit status 1 on any violation."""
    from backend.services.ledger_checks import check_ledger

    db = Database.from_url(settings.database_url)
    try:
        report = await check_ledger(db)
    finally:
        await db.dispose()
    print(
        f"ledger: {report.accounts} accounts, {report.entries} entries, "
        f"{report.postings} postings, {report.pending_holds} pending holds"
    )
    for violation in report.violations:
        print(f"VIOLATION {violation.code}: {dict(violation.details)}")
    if not report.ok:
        raise SystemExit(1)
    print("all invariants hold")


async def cmd_admin(settings: Settings, _args: argparse.Namespace) -> None:
    from admin_web.app import create_app as create_admin_app

    await _uvicorn_server(
        create_admin_app(settings), settings.admin_host, settings.admin_port
    ).serve()


async def cmd_sandbox(settings: Settings, _args: argparse.Namespace) -> None:
    if not settings.uses_sandbox:
        raise SystemExit("a bot token is configured: the sandbox is for running without one")
    await _sandbox_server(settings).serve()


Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]]
COMMANDS: dict[str, tuple[str, Command]] = {
    "run": ("migrate, seed demo data, start sandbox (no token) + bot + admin web", cmd_run),
    "bot": ("run the Telegram bot (polling or webhook per KOPDANA_BOT_MODE)", cmd_bot),
    "admin": ("run the admin web", cmd_admin),
    "notifier": (
        "deliver outbox notifications only (each bot process also runs one)",
        cmd_notifier,
    ),
    "sandbox": ("run the local Telegram Bot API emulator with its web chat", cmd_sandbox),
    "migrate": ("apply database migrations", cmd_migrate),
    "check": ("check the ledger's invariants; exit 1 on any violation", cmd_check),
    "seed-demo": ("create demo branches, members and staff accounts (idempotent)", cmd_seed_demo),
    "create-admin": ("create the first superadmin of the admin web", cmd_create_admin),
    "schedule": ("print a loan's installment schedule (table, JSON or CSV)", cmd_schedule),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kopdana", description="kopdana: P2P lending for cooperatives, inside Telegram."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (summary, _handler) in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=summary)
        if name == "create-admin":
            command.add_argument("--username", required=True)
            command.add_argument("--full-name", required=True)
        if name == "schedule":
            add_schedule_arguments(command)
    parser.epilog = "Settings come from KOPDANA_* environment variables; see the README."
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(COMMANDS[args.command][1](settings, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
