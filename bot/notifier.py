"""The notifier: delivers outbox rows to Telegram at Telegram's limits (DESIGN §8).

One loop per process: claim a batch of due rows (a lease, ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), translate each row's ``message_key`` into the row's language, format it
with the row's params (translate first, then format; string params are HTML-escaped)
and send it with HTML parse mode. Sends run concurrently, paced by a token bucket
(``per_second``, below Telegram's ~30 messages/s) and by a per-chat interval (Telegram
allows ~1 message/s to one chat). Outcomes:

* accepted → ``mark_sent`` at once (final);
* chat paced locally, or 429 ``retry_after`` → ``postpone`` (no attempt counted, nobody
  waits: other chats keep going);
* 403 (blocked, deactivated, never talked to the bot), 400 (chat not found, bad
  HTML, too long), unknown key or missing param → ``mark_failed`` (final);
* network errors, 5xx, anything unexpected → ``reschedule`` with backoff
  (5 s · 2ⁿ, capped at 1 h) until ``MAX_ATTEMPTS``, then ``mark_failed``.

Exactly once, and where it is only at least once:

* A row is sent only by the notifier holding its lease, and only while the lease has
  ``send_timeout + MARK_ALLOWANCE`` seconds left: the send either returns or times out
  and ``mark_sent`` runs while the lease is still ours, so no other notifier can claim
  the row in between. Two notifiers (in one process or many) never hold one row:
  SQLite serialises claims, PostgreSQL skips locked rows and re-checks the lease of a
  row claimed meanwhile. Leases compare wall-clock times of different hosts, so keep
  clocks synchronised (NTP); the allowance absorbs ordinary skew.
* ``sent`` is final, and the later transitions carry the lease as a fencing token, so
  a late outcome cannot put a row back into play.
* Two edges remain at least once, as with any outbox: (1) the process dies (kill -9,
  power) after Telegram accepted a message and before ``mark_sent`` committed — the
  lease expires and the row is sent again; (2) a send times out or the connection
  drops after Telegram accepted it — the outcome is unknown, and the row is retried.
  The window for (1) is one database write; ``stop()`` lets in-flight sends finish and
  record their outcome instead of cancelling them.

``per_second`` and the per-chat interval hold per notifier process; when several run
(webhook workers each start one), Telegram's 429 answers pace the excess, which costs
a postponement, never a message.

The bot handed in must not retry 429 itself (``create_notifier_bot`` makes one without
the bot's ``RetryAfterMiddleware``), otherwise a flood wait would stall a send.
Logs name row ids, chat ids and message keys; never the text, params or token.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gettext
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
)
from aiogram.utils.i18n import I18n

from backend.db.engine import Database
from backend.services.outbox import (
    OutboxItem,
    claim_due_messages,
    mark_failed,
    mark_sent,
    postpone,
    reschedule,
    retry_delay,
)
from backend.settings import Settings

log = logging.getLogger(__name__)

MARK_ALLOWANCE = 15.0  # seconds of lease kept for recording the outcome after a send
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{10,}")
Catalogs = Mapping[str, gettext.NullTranslations]


def create_notifier_bot(settings: Settings) -> Bot:
    """A Bot for the notifier: same server, token and HTML default, no 429 retry middleware."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.effective_telegram_api_url()))
    return Bot(
        token=settings.effective_bot_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


class RenderError(ValueError):
    """The row cannot become a message (unknown key, missing or bad params)."""


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts up to ``capacity``."""

    def __init__(self, rate: float, *, capacity: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


@dataclass
class BatchReport:
    """What one ``run_once`` did with the rows it claimed."""

    claimed: int = 0
    sent: int = 0
    postponed: int = 0
    rescheduled: int = 0
    failed: int = 0
    lost_lease: int = 0  # outcome not recorded: the row was no longer ours


def render_message(catalogs: Catalogs, default_locale: str, item: OutboxItem) -> str:
    """Translate ``item.message_key`` into the row's language, then format with its params."""
    translations = catalogs.get(item.language) or catalogs.get(default_locale)
    if translations is None:
        raise RenderError(f"no catalog for {item.language!r} or {default_locale!r}")
    template = translations.gettext(item.message_key)
    if template == item.message_key:
        raise RenderError(f"unknown message key {item.message_key!r}")
    if not item.params:
        return template
    params = {
        key: escape(value, quote=False) if isinstance(value, str) else value
        for key, value in item.params.items()
    }
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError) as error:
        raise RenderError(f"cannot format {item.message_key!r}: {error!r}") from None


def _catalogs_of(i18n: I18n | Catalogs) -> tuple[Catalogs, str | None]:
    if isinstance(i18n, I18n):
        return i18n.locales, i18n.default_locale
    return i18n, None


class Notifier:
    """Delivers outbox rows; ``start()``/``stop()`` run it as a task, ``run_once()`` one batch."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        i18n: I18n | Catalogs,
        *,
        per_second: float = 25.0,
        per_chat_interval: float = 1.0,
        batch: int = 50,
        poll_interval: float = 1.0,
        lease_seconds: float = 60.0,
        send_timeout: int = 10,
        max_in_flight: int = 16,
        default_locale: str = "id",
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        if lease_seconds <= send_timeout + MARK_ALLOWANCE:
            raise ValueError("lease_seconds must exceed send_timeout + MARK_ALLOWANCE")
        self.bot = bot
        self.db = db
        catalogs, i18n_default = _catalogs_of(i18n)
        self.catalogs = catalogs
        self.default_locale = i18n_default or default_locale
        self.per_chat_interval = per_chat_interval
        self.batch = batch
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.send_timeout = send_timeout
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._bucket = TokenBucket(per_second)
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._chat_next: dict[int, float] = {}
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- running ----------------------------------------------------------------------

    async def start(self) -> None:
        """Run the delivery loop as a background task (idempotent)."""
        if self._task is not None and not self._task.done():
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="kopdana-notifier")

    async def wait(self) -> None:
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        """Stop claiming, let in-flight sends finish and record their outcome, then return."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), self.send_timeout + MARK_ALLOWANCE)
        except TimeoutError:
            log.warning("notifier did not finish its batch in time; cancelling it")
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        errors = 0
        while not self._stopping.is_set():
            try:
                report = await self.run_once()
                errors = 0
            except Exception:  # the loop must outlive a database hiccup
                errors += 1
                log.exception("notifier batch failed")
                await self._pause(min(self.poll_interval * 2**errors, 30.0))
                continue
            if report.claimed == 0:
                await self._pause(self.poll_interval)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    # -- one batch --------------------------------------------------------------------

    async def run_once(self) -> BatchReport:
        """Claim one batch of due rows and deliver it; returns what happened."""
        claimed_at = time.monotonic()
        items = await claim_due_messages(
            self.db, now=self._clock(), limit=self.batch, lease_seconds=self.lease_seconds
        )
        report = BatchReport(claimed=len(items))
        last_start = claimed_at + self.lease_seconds - self.send_timeout - MARK_ALLOWANCE
        tasks: list[asyncio.Task[None]] = []
        try:
            for item in items:
                wait = self._chat_wait(item.chat_id)
                if self._stopping.is_set() or wait > 0:
                    reason = "" if self._stopping.is_set() else "paced: per-chat interval"
                    await self._postpone(item, wait, reason, report)
                    continue
                await self._in_flight.acquire()
                await self._bucket.acquire()
                if self._stopping.is_set() or time.monotonic() > last_start:
                    self._in_flight.release()
                    await self._postpone(item, 0.0, "", report)
                    continue
                self._chat_next[item.chat_id] = time.monotonic() + self.per_chat_interval
                tasks.append(asyncio.create_task(self._deliver(item, report)))
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        self._forget_idle_chats()
        if items:
            log.info(
                "outbox batch: %d claimed, %d sent, %d postponed, %d rescheduled, %d failed",
                report.claimed,
                report.sent,
                report.postponed,
                report.rescheduled,
                report.failed,
            )
        return report

    def _chat_wait(self, chat_id: int) -> float:
        return max(0.0, self._chat_next.get(chat_id, 0.0) - time.monotonic())

    def _forget_idle_chats(self) -> None:
        if len(self._chat_next) > 10_000:
            now = time.monotonic()
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}

    # -- one message ------------------------------------------------------------------

    async def _deliver(self, item: OutboxItem, report: BatchReport) -> None:
        try:
            await self._send_and_record(item, report)
        except Exception:  # recording failed: the lease expires and the row is retried
            log.exception("outbox %d: could not record the outcome", item.id)
        finally:
            self._in_flight.release()

    async def _send_and_record(self, item: OutboxItem, report: BatchReport) -> None:
        try:
            text = render_message(self.catalogs, self.default_locale, item)
        except RenderError as error:
            await self._fail(item, str(error), report)
            return
        try:
            await self.bot.send_message(
                chat_id=item.chat_id,
                text=text,
                parse_mode=ParseMode.HTML,
                request_timeout=self.send_timeout,
            )
        except TelegramRetryAfter as error:
            self._chat_next[item.chat_id] = time.monotonic() + error.retry_after
            await self._postpone(
                item,
                float(error.retry_after),
                f"flood control: retry after {error.retry_after}s",
                report,
            )
        except (
            TelegramForbiddenError,
            TelegramBadRequest,
            TelegramEntityTooLarge,
            TelegramMigrateToChat,
        ) as error:
            await self._fail(item, self._describe(error), report)
        except TelegramAPIError as error:  # network, 5xx, unauthorized, …
            await self._retry(item, self._describe(error), report)
        except Exception as error:
            log.exception("outbox %d: unexpected error while sending", item.id)
            await self._retry(item, self._describe(error), report)
        else:
            # Telegram has it: record that before anything else can happen.
            if await mark_sent(self.db, message_id=item.id, now=self._clock()):
                report.sent += 1
                log.debug("outbox %d sent to chat %d (%s)", item.id, item.chat_id, item.message_key)
            else:
                report.lost_lease += 1
                log.error("outbox %d was sent but is no longer pending", item.id)

    def _describe(self, error: BaseException) -> str:
        """``Type: message`` with any bot token blanked out."""
        text = f"{type(error).__name__}: {error}"
        text = text.replace(self.bot.token, "<token>")
        return _TOKEN.sub("<token>", text)

    async def _postpone(
        self, item: OutboxItem, delay: float, reason: str, report: BatchReport
    ) -> None:
        if await postpone(
            self.db,
            message_id=item.id,
            now=self._clock(),
            delay_seconds=delay,
            reason=reason,
            claimed_until=item.claimed_until,
        ):
            report.postponed += 1
            if reason:
                log.info(
                    "outbox %d to chat %d postponed %.1fs: %s", item.id, item.chat_id, delay, reason
                )
        else:
            report.lost_lease += 1

    async def _retry(self, item: OutboxItem, error: str, report: BatchReport) -> None:
        delay = retry_delay(item.attempts)
        if delay is None:
            await self._fail(item, f"gave up after {item.attempts + 1} attempts: {error}", report)
            return
        log.warning(
            "outbox %d to chat %d: attempt %d failed (%s); retry in %.0fs",
            item.id,
            item.chat_id,
            item.attempts + 1,
            error,
            delay,
        )
        if await reschedule(
            self.db,
            message_id=item.id,
            now=self._clock(),
            delay_seconds=delay,
            error=error,
            claimed_until=item.claimed_until,
        ):
            report.rescheduled += 1
        else:
            report.lost_lease += 1

    async def _fail(self, item: OutboxItem, error: str, report: BatchReport) -> None:
        log.warning("outbox %d to chat %d failed for good: %s", item.id, item.chat_id, error)
        if await mark_failed(
            self.db,
            message_id=item.id,
            now=self._clock(),
            error=error,
            claimed_until=item.claimed_until,
        ):
            report.failed += 1
        else:
            report.lost_lease += 1
