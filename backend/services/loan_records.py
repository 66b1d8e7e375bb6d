"""The steps every loan service shares, inside the caller's unit of work.

The rules and caps in force, the borrower's open applications and exposure, a locked
loan row, one lifecycle step (status, history row, audit entry) and a notice to the
borrower in their language. Views are read in ``loan_views``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from backend.db.models import TelegramUser
from backend.db.models_loans import (
    Loan,
    LoanCostCap,
    LoanSettingsRow,
    LoanStatusChange,
)
from backend.db.unit_of_work import UnitOfWork
from backend.domain.cost_caps import OJK_DEFAULT_CAPS, CostCap
from backend.domain.errors import ValidationError
from backend.domain.loan_application import LoanRules
from backend.domain.loan_lifecycle import (
    OPEN_APPLICATION_STATUSES,
    OUTSTANDING_STATUSES,
    ActorKind,
    InvalidLoanTransition,
    LoanEvent,
    LoanStatus,
    MoneyEffect,
    Part,
    Transition,
    transition,
    transitions_of_part,
)
from backend.domain.loan_terms import LoanKind
from backend.formatting import format_rupiah
from backend.services.audit import AuditActor, record
from backend.services.clock import has_control_characters
from backend.services.outbox import enqueue_message

SETTINGS_ROW_ID = 1
NONCE_MAX_LENGTH = 64
_CAP_SCALE = 10**6
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone

IMPLEMENTED_STEPS: frozenset[tuple[LoanStatus, LoanEvent]] = frozenset(
    {(row.source, row.event) for row in transitions_of_part(Part.APPLICATION)}
    | {(LoanStatus.OPEN_FOR_FUNDING, LoanEvent.WITHDRAW)}
)
"""The steps of the lifecycle table these services take: the application's (submission
and review) and the borrower's withdrawal while open for funding, which the issue allows
"until it is funded". Its money effect, voiding pledges, has nothing to void until funding
is built (``release_pledges``). The other money steps come with the funding work."""


def new_reference() -> str:
    """A loan reference members and staff can read out, e.g. ``LN-7KQ2M9XA``."""
    return "LN-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def checked_nonce(nonce: str) -> str:
    """A staff form's nonce (or a bot request key): 1..64 printable characters."""
    if not nonce or len(nonce) > NONCE_MAX_LENGTH or has_control_characters(nonce):
        raise ValidationError(code="error.form_nonce")
    return nonce


def local_today(now: dt.datetime, timezone: str) -> dt.date:
    """The date at ``now`` in ``timezone`` (a branch's zone)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def member_actor(member_id: int) -> AuditActor:
    return AuditActor(type="member", id=member_id, label=f"member:{member_id}")


# ------------------------------------------------------------------------- rules and caps


def rules_of(row: LoanSettingsRow | None) -> LoanRules:
    """The limits stored in the settings row, or the defaults when staff never saved any."""
    if row is None:
        return LoanRules()
    return LoanRules(
        max_open_applications=row.max_open_applications,
        max_exposure=row.max_exposure,
        second_approval_threshold=row.second_approval_threshold,
    )


async def load_rules(uow: UnitOfWork) -> LoanRules:
    return rules_of(await uow.session.get(LoanSettingsRow, SETTINGS_ROW_ID))


def cap_units(cap: Decimal) -> int:
    """A daily cap as stored: millionths (``0.003`` → ``3000``); caps have ≤ 6 decimals."""
    return int(Fraction(cap) * _CAP_SCALE)


def cap_from_units(units: int) -> Decimal:
    return Decimal(units).scaleb(-6).normalize()


def cap_of(row: LoanCostCap) -> CostCap:
    return CostCap(
        kind=LoanKind(row.kind),
        min_months=row.min_months,
        max_months=row.max_months,
        daily_cap=cap_from_units(row.daily_cap_millionths),
        source=row.source,
    )


async def load_caps(uow: UnitOfWork) -> tuple[CostCap, ...]:
    """The cost caps in force. Migration 0005 seeds OJK's defaults and staff can only save
    a complete table, so the table is empty only in a database that lost its data (or a
    test that emptied it): then OJK's defaults apply, never "no cap"."""
    rows = (await uow.session.scalars(select(LoanCostCap).order_by(LoanCostCap.id))).all()
    return tuple(cap_of(row) for row in rows) or OJK_DEFAULT_CAPS


async def locked_loan(uow: UnitOfWork, loan_id: int) -> Loan | None:
    """The loan row, locked for this transaction (``FOR UPDATE``; SQLite's writers are
    serialised anyway), re-read from the database."""
    return await uow.session.scalar(
        select(Loan)
        .where(Loan.id == loan_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# ------------------------------------------------------------------------- borrower totals


async def borrower_totals(uow: UnitOfWork, member_id: int) -> tuple[int, int]:
    """The borrower's open applications (count) and exposure (rupiah): the principal of
    open applications and outstanding loans. Repayments do not exist yet; when they do,
    the outstanding part must become the unpaid principal."""
    statuses = [s.value for s in OPEN_APPLICATION_STATUSES | OUTSTANDING_STATUSES]
    opened = [s.value for s in OPEN_APPLICATION_STATUSES]
    row = (
        await uow.session.execute(
            select(
                func.count().filter(Loan.status.in_(opened)),
                func.coalesce(func.sum(Loan.amount), 0),
            ).where(Loan.member_id == member_id, Loan.status.in_(statuses))
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


# ------------------------------------------------------------------------- lifecycle


async def release_pledges(uow: UnitOfWork, loan: Loan, now: dt.datetime) -> None:
    """Void the pledges of a loan leaving ``open_for_funding`` (``MoneyEffect.VOID_PLEDGES``).

    Funding is not built yet, so no loan has pledges and there is nothing to void; the
    funding work replaces this body with voiding each pledge's hold (``ledger.void_hold``).
    """
    del uow, loan, now


async def apply_transition(
    uow: UnitOfWork,
    loan: Loan,
    *,
    event: LoanEvent,
    actor_kind: ActorKind,
    actor: AuditActor,
    now: dt.datetime,
    reason: str = "",
    after: dict[str, Any] | None = None,
) -> Transition:
    """Take one step of the lifecycle table on a locked loan: its money effect, the status,
    a history row and the audit entry (``Transition.audit_action``), in the caller's unit
    of work. Raises ``InvalidLoanTransition`` (also, as ``error.loan.invalid_transition``,
    for a step not in ``IMPLEMENTED_STEPS`` yet)."""
    current = LoanStatus(loan.status)
    step = transition(current, event, actor_kind)
    if (current, event) not in IMPLEMENTED_STEPS:
        raise InvalidLoanTransition(
            code="error.loan.invalid_transition",
            current=current.value,
            event=event.value,
            actor=actor_kind.value,
        )
    if step.money is MoneyEffect.VOID_PLEDGES:
        await release_pledges(uow, loan, now)
    loan.status = step.target.value
    loan.status_changed_at = now
    uow.session.add(
        LoanStatusChange(
            loan_id=loan.id,
            from_status=current.value,
            to_status=step.target.value,
            event=event.value,
            actor=actor.label,
            reason=reason,
            changed_at=now,
        )
    )
    record(
        uow,
        actor=actor,
        action=step.audit_action,
        object_type="loan",
        object_id=loan.id,
        now=now,
        before={"status": current.value},
        after={"status": step.target.value, **(after or {})},
        reason=reason,
    )
    return step


async def member_language(uow: UnitOfWork, telegram_user_id: int) -> str:
    """The language the member chose in the bot (Indonesian when they never chose)."""
    language = await uow.session.scalar(
        select(TelegramUser.language).where(TelegramUser.id == telegram_user_id)
    )
    return language or "id"


async def notify_borrower(
    uow: UnitOfWork, *, telegram_user_id: int, now: dt.datetime, key: str, **params: Any
) -> None:
    """Queue a notice to the borrower; ``amount…`` parameters are formatted as rupiah in
    the borrower's language (the text itself is translated when it is sent)."""
    language = await member_language(uow, telegram_user_id)
    enqueue_message(
        uow,
        chat_id=telegram_user_id,
        now=now,
        language=language,
        message_key=key,
        params={
            name: format_rupiah(value, language) if name.startswith("amount") else value
            for name, value in params.items()
        },
    )
