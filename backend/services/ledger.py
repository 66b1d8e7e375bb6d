"""The ledger service: the one place that writes postings, balances and holds (DESIGN §4).

Functions taking a ``UnitOfWork`` run inside the caller's transaction and never commit;
when they raise, the caller's unit of work rolls back, so nothing is half-applied. The
functions taking a ``Database`` open their own unit of work, commit, and retry
deadlocks/serialization failures with ``with_retries``.

On PostgreSQL a posting is one round trip: the function ``ledger_post`` (migration 0006)
runs the same insert-once, conditional updates and postings insert server-side; SQLite
runs them as prebuilt statements (the ledger benchmark in docs/BENCHMARKS.md measured
the difference).

Locking: account rows are changed only by conditional ``UPDATE``s issued in ascending
account id order (PostgreSQL READ COMMITTED; on SQLite ``BEGIN IMMEDIATE`` and the write
lock serialise writers). A hold row is locked before any account row. Idempotency lives in
the database: ``INSERT … ON CONFLICT DO NOTHING`` on the key in the same transaction as the
effect; a replay returns the first result.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar, cast

import aiosqlite
from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    Table,
    bindparam,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.db.engine import Database
from backend.db.models_ledger import JournalEntry, LedgerAccount, LedgerHold, LedgerPosting
from backend.db.statements import rowcount, upsert_insert
from backend.db.unit_of_work import UnitOfWork, with_retries
from backend.domain.ledger import (
    AccountCodeTaken,
    AccountKind,
    AlreadyReversed,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientFunds,
    JournalEntryDraft,
    LedgerNotFound,
    LedgerValidationError,
    Posting,
    allows_negative,
    transfer_draft,
    validate_amount,
    validate_key,
)

T = TypeVar("T")

__all__ = [
    "AccountView",
    "HoldView",
    "PostedEntry",
    "ensure_account",
    "get_account",
    "in_transaction",
    "open_account",
    "place_hold",
    "post_entry",
    "post_hold",
    "reverse_entry",
    "transfer",
    "void_hold",
]


@dataclass(frozen=True, slots=True)
class AccountView:
    """An account and its cached balances (rupiah); ``available`` = balance − held."""

    id: int
    code: str
    kind: str
    member_id: int | None
    allow_negative: bool
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclass(frozen=True, slots=True)
class PostedEntry:
    """A journal entry as stored; ``replayed`` is True when the key had been applied before."""

    id: int
    idempotency_key: str
    kind: str
    memo: str
    created_at: dt.datetime
    reverses_entry_id: int | None
    postings: tuple[Posting, ...]
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class HoldView:
    """A hold as stored; ``replayed`` is True when the request had been applied before."""

    id: int
    account_id: int
    amount: int
    status: str
    idempotency_key: str
    entry_id: int | None
    replayed: bool = False


# The hot path (every money movement) never builds SQLAlchemy expressions per call: that
# cost ~2 ms of CPU per transfer, most of a transfer's time (docs/BENCHMARKS.md, ledger
# bench). PostgreSQL calls ledger_post (one round trip). SQLite runs three statements as
# plain SQL on the unit of work's own connection, each in one trip to aiosqlite's thread
# (``execute_fetchall``): SQLAlchemy's adapter spends four trips per statement (cursor,
# execute, fetch, close), and inside SQLite's single write lock every trip is latency that
# each queued writer waits for.
_SQLITE_INSERT_ENTRY = (
    "INSERT INTO journal_entries (idempotency_key, kind, memo, created_at, reverses_entry_id) "
    "VALUES (:idempotency_key, :kind, :memo, :created_at, :reverses_entry_id) "
    "ON CONFLICT DO NOTHING RETURNING id"
)
_ENTRY_CREATED_AT = cast(Table, JournalEntry.__table__).c.created_at
_LEDGER_POST = text(
    "SELECT entry_id, refused_account FROM ledger_post("
    ":idempotency_key, :kind, :memo, :created_at, :reverses_entry_id, "
    ":accounts, :amounts, :releases)"
).bindparams(
    bindparam("created_at", type_=DateTime(timezone=True)),
    bindparam("reverses_entry_id", type_=Integer),
    bindparam("accounts", type_=postgresql.ARRAY(Integer)),
    bindparam("amounts", type_=postgresql.ARRAY(BigInteger)),
    bindparam("releases", type_=postgresql.ARRAY(BigInteger)),
)


async def _connection(uow: UnitOfWork) -> AsyncConnection:
    return await uow.session.connection()


@functools.cache
def _sqlite_change_balances(count: int) -> str:
    """One ``UPDATE`` changing the balances of an entry's ``count`` accounts (SQLite only).

    Parameters ``a<i>`` (account id), ``d<i>`` (delta), ``r<i>`` (release off ``held``).
    A row is changed only when its ``held`` stays ≥ 0 and, unless it may go negative, its
    available (balance − held) stays ≥ 0 after the release; SQLite evaluates ``SET`` and
    ``WHERE`` on the old row, so the check sees the values before this entry. ``RETURNING id``
    names the accounts that took their change; one missing is refused and the caller's unit
    of work rolls back. Lock order, which PostgreSQL needs, does not matter here: SQLite
    serialises writers.
    """
    ids = ", ".join(f":a{i}" for i in range(count))
    delta = "CASE id " + " ".join(f"WHEN :a{i} THEN :d{i}" for i in range(count)) + " END"
    release = "CASE id " + " ".join(f"WHEN :a{i} THEN :r{i}" for i in range(count)) + " END"
    return (
        f"UPDATE ledger_accounts SET balance = balance + {delta}, held = held - {release} "
        f"WHERE id IN ({ids}) AND held - {release} >= 0 "
        f"AND (allow_negative OR balance + {delta} - (held - {release}) >= 0) "
        "RETURNING id"
    )


@functools.cache
def _sqlite_insert_postings(count: int) -> str:
    """One ``INSERT`` of an entry's ``count`` postings (``entry_id``, ``a<i>``, ``d<i>``)."""
    rows = ", ".join(f"(:entry_id, :a{i}, :d{i})" for i in range(count))
    return f"INSERT INTO postings (entry_id, account_id, amount) VALUES {rows}"


def _account_view(row: LedgerAccount) -> AccountView:
    return AccountView(
        id=row.id,
        code=row.code,
        kind=row.kind,
        member_id=row.member_id,
        allow_negative=row.allow_negative,
        balance=row.balance,
        held=row.held,
    )


def _hold_view(row: LedgerHold, *, replayed: bool = False) -> HoldView:
    return HoldView(
        id=row.id,
        account_id=row.account_id,
        amount=row.amount,
        status=row.status,
        idempotency_key=row.idempotency_key,
        entry_id=row.entry_id,
        replayed=replayed,
    )


# ------------------------------------------------------------------------- accounts


async def open_account(
    db: Database, *, code: str, kind: AccountKind, member_id: int | None = None
) -> AccountView:
    """Open an account with a zero balance, or return the existing one with this ``code``.

    Whether it may go negative follows from ``kind``. Raises ``AccountCodeTaken`` when the
    code belongs to an account of another kind or owner, ``LedgerValidationError``
    (``error.ledger.invalid_account_code``) for an empty or too long code.
    """
    return await in_transaction(
        db, lambda uow: ensure_account(uow, code=code, kind=kind, member_id=member_id)
    )


async def ensure_account(
    uow: UnitOfWork, *, code: str, kind: AccountKind, member_id: int | None = None
) -> AccountView:
    """``open_account`` inside the caller's unit of work (created at most once per code)."""
    if not code or len(code) > 80 or code != code.strip():
        raise LedgerValidationError(code="error.ledger.invalid_account_code")
    kind = AccountKind(kind)
    statement = (
        upsert_insert(uow, LedgerAccount)
        .values(
            code=code,
            kind=kind.value,
            member_id=member_id,
            allow_negative=allows_negative(kind),
            balance=0,
            held=0,
        )
        .on_conflict_do_nothing(index_elements=["code"])
    )
    await uow.session.execute(statement)
    row = (
        await uow.session.execute(
            select(LedgerAccount)
            .where(LedgerAccount.code == code)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if row.kind != kind.value or row.member_id != member_id:
        raise AccountCodeTaken(account_code=code)
    return _account_view(row)


async def get_account(db: Database, account_id: int) -> AccountView:
    """The account with its current balances; raises ``LedgerNotFound`` if there is none."""
    async with UnitOfWork(db, write=False) as uow:
        row = await uow.session.get(LedgerAccount, account_id)
        if row is None:
            raise LedgerNotFound(account_id=account_id)
        return _account_view(row)


# ------------------------------------------------------------------------- posting


async def _load_entry(uow: UnitOfWork, entry: JournalEntry, *, replayed: bool) -> PostedEntry:
    rows = (
        await uow.session.execute(
            select(LedgerPosting.account_id, LedgerPosting.amount)
            .where(LedgerPosting.entry_id == entry.id)
            .order_by(LedgerPosting.account_id)
        )
    ).all()
    return PostedEntry(
        id=entry.id,
        idempotency_key=entry.idempotency_key,
        kind=entry.kind,
        memo=entry.memo,
        created_at=entry.created_at,
        reverses_entry_id=entry.reverses_entry_id,
        postings=tuple(Posting(account_id, amount) for account_id, amount in rows),
        replayed=replayed,
    )


async def _entry_by_key(uow: UnitOfWork, key: str) -> JournalEntry | None:
    return (
        await uow.session.execute(select(JournalEntry).where(JournalEntry.idempotency_key == key))
    ).scalar_one_or_none()


async def _post_sqlite(
    uow: UnitOfWork,
    connection: AsyncConnection,
    draft: JournalEntryDraft,
    values: dict[str, Any],
    releases: Mapping[int, int],
) -> int | None:
    """Insert the entry once, change the balances, insert the postings; ``None`` on a clash.

    ``releases`` maps an account id to an amount taken off its ``held`` in the same update
    (settling a hold), so available is checked after the release. Runs on the unit of work's
    connection, inside its ``BEGIN IMMEDIATE`` transaction.
    """
    raw = await connection.get_raw_connection()
    driver = cast(aiosqlite.Connection, raw.driver_connection)
    timestamp = _sqlite_timestamp(connection.dialect)
    inserted = await driver.execute_fetchall(
        _SQLITE_INSERT_ENTRY, {**values, "created_at": timestamp(values["created_at"])}
    )
    if not inserted:
        return None
    entry_id: int = next(iter(inserted))[0]
    postings = draft.postings
    parameters: dict[str, int] = {"entry_id": entry_id}
    for index, posting in enumerate(postings):
        parameters[f"a{index}"] = posting.account_id
        parameters[f"d{index}"] = posting.amount
        parameters[f"r{index}"] = releases.get(posting.account_id, 0)
    changed = await driver.execute_fetchall(_sqlite_change_balances(len(postings)), parameters)
    if len(list(changed)) != len(postings):
        taken = {row[0] for row in changed}
        refused = next(p for p in postings if p.account_id not in taken)
        await _refuse(uow, refused.account_id, refused.amount)
    await driver.execute_fetchall(_sqlite_insert_postings(len(postings)), parameters)
    return entry_id


@functools.cache
def _sqlite_timestamp(dialect: Dialect) -> Callable[[dt.datetime], Any]:
    """How SQLAlchemy stores ``created_at`` on this dialect, so raw inserts store the same."""
    processor = _ENTRY_CREATED_AT.type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)


async def _refuse(uow: UnitOfWork, account_id: int, delta: int) -> NoReturn:
    """Raise why a balance change was refused: no such account, or too little available."""
    row = (
        await uow.session.execute(
            select(LedgerAccount.balance, LedgerAccount.held).where(LedgerAccount.id == account_id)
        )
    ).one_or_none()
    if row is None:
        raise LedgerNotFound(account_id=account_id)
    raise InsufficientFunds(
        account_id=account_id, available=row.balance - row.held, requested=-delta
    )


async def _post(
    uow: UnitOfWork,
    draft: JournalEntryDraft,
    *,
    now: dt.datetime,
    reverses_entry_id: int | None = None,
    releases: Mapping[int, int] | None = None,
) -> PostedEntry:
    values = {
        "idempotency_key": draft.idempotency_key,
        "kind": draft.kind,
        "memo": draft.memo,
        "created_at": now,
        "reverses_entry_id": reverses_entry_id,
    }
    # No conflict target: a clash on the key (a replay) or on reverses_entry_id (a second
    # reversal) both leave the row alone, and are told apart below.
    connection = await _connection(uow)
    releases = releases or {}
    if connection.dialect.name == "postgresql":
        # One round trip: the same statements inside ledger_post (migration 0006).
        postings = sorted(draft.postings, key=lambda p: p.account_id)
        entry_id, refused = (
            await connection.execute(
                _LEDGER_POST,
                {
                    **values,
                    "accounts": [p.account_id for p in postings],
                    "amounts": [p.amount for p in postings],
                    "releases": [releases.get(p.account_id, 0) for p in postings],
                },
            )
        ).one()
        if entry_id is not None and refused is not None:
            delta = next(p.amount for p in postings if p.account_id == refused)
            await _refuse(uow, refused, delta)
    else:
        entry_id = await _post_sqlite(uow, connection, draft, values, releases)
    if entry_id is None:
        existing = await _entry_by_key(uow, draft.idempotency_key)
        if existing is None:
            raise AlreadyReversed(entry_id=reverses_entry_id)
        posted = await _load_entry(uow, existing, replayed=True)
        if (
            not draft.same_effect(posted.kind, posted.postings)
            or posted.reverses_entry_id != reverses_entry_id
        ):
            raise IdempotencyConflict(key=draft.idempotency_key)
        return posted
    return PostedEntry(
        id=entry_id,
        idempotency_key=draft.idempotency_key,
        kind=draft.kind,
        memo=draft.memo,
        created_at=now,
        reverses_entry_id=reverses_entry_id,
        postings=draft.postings,
    )


async def post_entry(uow: UnitOfWork, draft: JournalEntryDraft, *, now: dt.datetime) -> PostedEntry:
    """Post ``draft`` once: journal entry, postings and balance caches, in ``uow``.

    A replay of the same key with the same kind and postings returns the first entry with
    ``replayed=True`` and changes nothing. Raises ``IdempotencyConflict`` when the key was
    used for a different effect, ``InsufficientFunds`` when an account that may not go
    negative would fall below zero available, ``LedgerNotFound`` for an unknown account.
    After a raise the caller must not commit (leaving its unit of work rolls back).
    """
    return await _post(uow, draft, now=now)


async def reverse_entry(
    uow: UnitOfWork, *, entry_id: int, idempotency_key: str, now: dt.datetime, memo: str = ""
) -> PostedEntry:
    """Post the reversal of entry ``entry_id``: the same postings with opposite signs.

    Corrections are made only this way. An entry is reversed at most once; replaying the
    same key returns the first reversal. Raises ``LedgerNotFound`` (no such entry),
    ``AlreadyReversed`` (reversed under another key), ``IdempotencyConflict``,
    ``InsufficientFunds`` (the money has been spent since).
    """
    validate_key(idempotency_key)
    original = await uow.session.get(JournalEntry, entry_id)
    if original is None:
        raise LedgerNotFound(entry_id=entry_id)
    posted = await _load_entry(uow, original, replayed=False)
    draft = JournalEntryDraft(
        idempotency_key=idempotency_key,
        kind=posted.kind,
        postings=posted.postings,
    ).negated(idempotency_key=idempotency_key, memo=memo)
    return await _post(uow, draft, now=now, reverses_entry_id=entry_id)


# ------------------------------------------------------------------------- holds


async def place_hold(
    uow: UnitOfWork, *, account_id: int, amount: int, idempotency_key: str, now: dt.datetime
) -> HoldView:
    """Reserve ``amount`` (> 0) of ``account_id``'s available balance, once per key.

    Raises ``InsufficientFunds`` when available (balance − held) is smaller and the account
    may not go negative, ``IdempotencyConflict`` when the key was used for another hold,
    ``LedgerNotFound`` for an unknown account, ``LedgerValidationError`` for a bad amount/key.
    """
    validate_amount(amount, positive=True)
    validate_key(idempotency_key)
    statement = (
        upsert_insert(uow, LedgerHold)
        .values(
            account_id=account_id,
            amount=amount,
            status="pending",
            idempotency_key=idempotency_key,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(LedgerHold.id)
    )
    hold_id = (await uow.session.execute(statement)).scalar_one_or_none()
    if hold_id is None:
        existing = (
            await uow.session.execute(
                select(LedgerHold).where(LedgerHold.idempotency_key == idempotency_key)
            )
        ).scalar_one()
        if existing.account_id != account_id or existing.amount != amount:
            raise IdempotencyConflict(key=idempotency_key)
        return _hold_view(existing, replayed=True)
    result = await uow.session.execute(
        update(LedgerAccount)
        .where(
            LedgerAccount.id == account_id,
            or_(
                LedgerAccount.allow_negative,
                LedgerAccount.balance - LedgerAccount.held - amount >= 0,
            ),
        )
        .values(held=LedgerAccount.held + amount)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        row = (
            await uow.session.execute(
                select(LedgerAccount.balance, LedgerAccount.held).where(
                    LedgerAccount.id == account_id
                )
            )
        ).one_or_none()
        if row is None:
            raise LedgerNotFound(account_id=account_id)
        raise InsufficientFunds(
            account_id=account_id, available=row.balance - row.held, requested=amount
        )
    return HoldView(
        id=hold_id,
        account_id=account_id,
        amount=amount,
        status="pending",
        idempotency_key=idempotency_key,
        entry_id=None,
    )


async def _lock_hold(uow: UnitOfWork, hold_id: int) -> LedgerHold:
    hold = (
        await uow.session.execute(
            select(LedgerHold)
            .where(LedgerHold.id == hold_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if hold is None:
        raise LedgerNotFound(hold_id=hold_id)
    return hold


async def post_hold(
    uow: UnitOfWork, *, hold_id: int, draft: JournalEntryDraft, now: dt.datetime
) -> PostedEntry:
    """Settle a pending hold: release the held amount and post ``draft`` in one step.

    ``draft`` must debit the held account by exactly the hold's amount. Posting the same
    draft again returns the first entry (``replayed=True``). Raises ``HoldNotPending``
    (voided, or posted with another draft), ``LedgerValidationError``
    (``error.ledger.hold_amount_mismatch``), ``LedgerNotFound``, ``IdempotencyConflict``.
    """
    hold = await _lock_hold(uow, hold_id)
    debit = {p.account_id: p.amount for p in draft.postings}.get(hold.account_id)
    if debit != -hold.amount:
        raise LedgerValidationError(
            code="error.ledger.hold_amount_mismatch", hold_id=hold_id, amount=hold.amount
        )
    if hold.status == "posted" and hold.entry_id is not None:
        entry = await uow.session.get(JournalEntry, hold.entry_id)
        if entry is not None and entry.idempotency_key == draft.idempotency_key:
            posted = await _load_entry(uow, entry, replayed=True)
            if draft.same_effect(posted.kind, posted.postings):
                return posted
        raise HoldNotPending(hold_id=hold_id, status=hold.status)
    if hold.status != "pending":
        raise HoldNotPending(hold_id=hold_id, status=hold.status)
    posted = await _post(uow, draft, now=now, releases={hold.account_id: hold.amount})
    if posted.replayed:
        # The key was spent on an entry that did not settle this hold.
        raise IdempotencyConflict(key=draft.idempotency_key)
    hold.status = "posted"
    hold.entry_id = posted.id
    hold.resolved_at = now
    await uow.session.flush()
    return posted


async def void_hold(uow: UnitOfWork, *, hold_id: int, now: dt.datetime) -> HoldView:
    """Release a pending hold without moving money; voiding again is a no-op replay.

    Raises ``HoldNotPending`` if the hold was posted, ``LedgerNotFound`` if it does not exist.
    """
    hold = await _lock_hold(uow, hold_id)
    if hold.status == "voided":
        return _hold_view(hold, replayed=True)
    if hold.status != "pending":
        raise HoldNotPending(hold_id=hold_id, status=hold.status)
    await uow.session.execute(
        update(LedgerAccount)
        .where(LedgerAccount.id == hold.account_id)
        .values(held=LedgerAccount.held - hold.amount)
        .execution_options(synchronize_session=False)
    )
    hold.status = "voided"
    hold.resolved_at = now
    await uow.session.flush()
    return _hold_view(hold)


# ------------------------------------------------------------------------- convenience


async def in_transaction(db: Database, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run ``work`` in its own write unit of work and commit, retrying transient conflicts.

    Domain errors raised by ``work`` propagate after rollback; deadlocks, serialization
    failures and "database is locked" are retried (bounded) by ``with_retries``.
    """

    async def attempt() -> T:
        async with UnitOfWork(db) as uow:
            result = await work(uow)
            await uow.commit()
            return result

    return await with_retries(attempt)


async def transfer(
    db: Database,
    *,
    from_account_id: int,
    to_account_id: int,
    amount: int,
    idempotency_key: str,
    now: dt.datetime,
    kind: str = "transfer",
    memo: str = "",
) -> PostedEntry:
    """Move ``amount`` (> 0) rupiah between two accounts in its own transaction, once per key.

    Raises what ``post_entry`` raises, and ``LedgerValidationError`` for a bad amount, key,
    or the same account on both sides (``error.ledger.duplicate_account``).
    """
    draft = transfer_draft(
        from_account_id=from_account_id,
        to_account_id=to_account_id,
        amount=amount,
        idempotency_key=idempotency_key,
        kind=kind,
        memo=memo,
    )
    return await in_transaction(db, lambda uow: post_entry(uow, draft, now=now))
