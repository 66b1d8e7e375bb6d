"""The life of a loan: its statuses and the one table of transitions (DESIGN §5).

::

    submitted ─start_review─▶ under_review ─approve─▶ open_for_funding
    open_for_funding ─complete_funding─▶ funded ─disburse─▶ disbursed ─close─▶ closed

    side exits
    ─reject─────────▶ rejected         from submitted, under_review (credit officer, approver),
                                       open_for_funding, funded (approver)
    ─withdraw───────▶ withdrawn        from any status before disbursed (borrower)
    ─expire_funding─▶ funding_expired  from open_for_funding (system: the deadline job)
    ─write_off──────▶ written_off      from disbursed (approver)

Statuses are DESIGN's list: submitted → under review → open for funding → funded →
disbursed (active, repaying) → closed; side exits rejected, withdrawn (by the borrower),
funding expired (pledges voided), written off. A loan is created ``submitted`` by its
borrower (``INITIAL_STATUS``; audited ``loan.submitted``); every other change goes through
``next_status``/``transition``, and the service audits it as ``Transition.audit_action``.

Who may trigger what (``ActorKind``) is the capacity in which someone acts, given by the
route or job that calls the service, not by a person's roles alone: the credit officer
(``loans.review``) starts a review and may reject; the approver (``loans.approve``)
approves, rejects at any point before disbursement and writes off; the treasurer disburses;
the borrower may withdraw until the money is disbursed. ``SYSTEM`` covers what follows from
other events rather than a decision: the pledge that completes the funding, the funding
deadline job, the payment that repays the last installment (the audit entry names the
person whose action caused it, if any).

Each transition says which part of issue 5 implements it (``Part``): the application
(submission and review) or the money (funding, disbursement, repayment), and which money
movement its handler must make (``MoneyEffect``), so part 2 adds handlers, not rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from backend.domain.errors import ConflictError

__all__ = [
    "INITIAL_STATUS",
    "OPEN_APPLICATION_STATUSES",
    "OUTSTANDING_STATUSES",
    "PLEDGEABLE_STATUSES",
    "REPAYING_STATUSES",
    "SUBMITTED_AUDIT_ACTION",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "ActorKind",
    "InvalidLoanTransition",
    "LoanEvent",
    "LoanStatus",
    "MoneyEffect",
    "Part",
    "Transition",
    "allowed_events",
    "next_status",
    "transition",
    "transitions_of_part",
]


class LoanStatus(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    OPEN_FOR_FUNDING = "open_for_funding"
    FUNDED = "funded"
    DISBURSED = "disbursed"
    """Active: the money is with the borrower, who is repaying."""
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    FUNDING_EXPIRED = "funding_expired"
    WRITTEN_OFF = "written_off"


class LoanEvent(StrEnum):
    START_REVIEW = "start_review"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    COMPLETE_FUNDING = "complete_funding"
    EXPIRE_FUNDING = "expire_funding"
    DISBURSE = "disburse"
    CLOSE = "close"
    WRITE_OFF = "write_off"


class ActorKind(StrEnum):
    """The capacity in which a transition is triggered (see the module docstring)."""

    BORROWER = "borrower"
    CREDIT_OFFICER = "credit_officer"
    APPROVER = "approver"
    TREASURER = "treasurer"
    SYSTEM = "system"


class Part(IntEnum):
    """Which part of issue 5 implements a transition's handler."""

    APPLICATION = 1
    """Submission and review: no money moves."""
    MONEY = 2
    """Funding, disbursement, repayment: pledges, holds and the ledger."""


class MoneyEffect(StrEnum):
    """What the handler of a transition must do with money, in the same transaction."""

    NONE = "none"
    POST_PLEDGES = "post_pledges"
    """Every financier's pledge hold is posted: the loan is fully funded."""
    VOID_PLEDGES = "void_pledges"
    """Every pledge hold is voided: financiers get their money back untouched."""
    RETURN_FUNDING = "return_funding"
    """Posted funding goes back to each financier (reversing entries)."""
    DISBURSE = "disburse"
    """The funded principal is paid out to the borrower."""
    WRITE_OFF = "write_off"
    """The unpaid balance is written off as the financiers' loss."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table: ``event`` by one of ``actors`` moves ``source`` to ``target``."""

    source: LoanStatus
    event: LoanEvent
    target: LoanStatus
    actors: frozenset[ActorKind]
    part: Part
    money: MoneyEffect = MoneyEffect.NONE

    @property
    def audit_action(self) -> str:
        """The audit log's action for this transition, e.g. ``loan.approved``."""
        return _AUDIT_ACTIONS[self.event]


_AUDIT_ACTIONS: Mapping[LoanEvent, str] = {
    LoanEvent.START_REVIEW: "loan.review_started",
    LoanEvent.APPROVE: "loan.approved",
    LoanEvent.REJECT: "loan.rejected",
    LoanEvent.WITHDRAW: "loan.withdrawn",
    LoanEvent.COMPLETE_FUNDING: "loan.funded",
    LoanEvent.EXPIRE_FUNDING: "loan.funding_expired",
    LoanEvent.DISBURSE: "loan.disbursed",
    LoanEvent.CLOSE: "loan.closed",
    LoanEvent.WRITE_OFF: "loan.written_off",
}

INITIAL_STATUS = LoanStatus.SUBMITTED
"""A loan is created in this status by its borrower."""
SUBMITTED_AUDIT_ACTION = "loan.submitted"

_S, _E, _A = LoanStatus, LoanEvent, ActorKind
_REVIEWERS = frozenset({_A.CREDIT_OFFICER, _A.APPROVER})


def _row(
    source: LoanStatus,
    event: LoanEvent,
    target: LoanStatus,
    actors: frozenset[ActorKind] | ActorKind,
    part: Part,
    money: MoneyEffect = MoneyEffect.NONE,
) -> tuple[tuple[LoanStatus, LoanEvent], Transition]:
    who = actors if isinstance(actors, frozenset) else frozenset({actors})
    return (source, event), Transition(source, event, target, who, part, money)


TRANSITIONS: Mapping[tuple[LoanStatus, LoanEvent], Transition] = dict(
    [
        # Part 1: the application. No money has moved.
        _row(_S.SUBMITTED, _E.START_REVIEW, _S.UNDER_REVIEW, _A.CREDIT_OFFICER, Part.APPLICATION),
        _row(_S.SUBMITTED, _E.REJECT, _S.REJECTED, _REVIEWERS, Part.APPLICATION),
        _row(_S.SUBMITTED, _E.WITHDRAW, _S.WITHDRAWN, _A.BORROWER, Part.APPLICATION),
        _row(_S.UNDER_REVIEW, _E.APPROVE, _S.OPEN_FOR_FUNDING, _A.APPROVER, Part.APPLICATION),
        _row(_S.UNDER_REVIEW, _E.REJECT, _S.REJECTED, _REVIEWERS, Part.APPLICATION),
        _row(_S.UNDER_REVIEW, _E.WITHDRAW, _S.WITHDRAWN, _A.BORROWER, Part.APPLICATION),
        # Part 2: funding. Pledges hold financiers' money until posted or voided.
        _row(
            _S.OPEN_FOR_FUNDING,
            _E.COMPLETE_FUNDING,
            _S.FUNDED,
            _A.SYSTEM,
            Part.MONEY,
            MoneyEffect.POST_PLEDGES,
        ),
        _row(
            _S.OPEN_FOR_FUNDING,
            _E.EXPIRE_FUNDING,
            _S.FUNDING_EXPIRED,
            _A.SYSTEM,
            Part.MONEY,
            MoneyEffect.VOID_PLEDGES,
        ),
        _row(
            _S.OPEN_FOR_FUNDING,
            _E.REJECT,
            _S.REJECTED,
            _A.APPROVER,
            Part.MONEY,
            MoneyEffect.VOID_PLEDGES,
        ),
        _row(
            _S.OPEN_FOR_FUNDING,
            _E.WITHDRAW,
            _S.WITHDRAWN,
            _A.BORROWER,
            Part.MONEY,
            MoneyEffect.VOID_PLEDGES,
        ),
        # Part 2: funded, not yet paid out; the funding can still go back.
        _row(_S.FUNDED, _E.DISBURSE, _S.DISBURSED, _A.TREASURER, Part.MONEY, MoneyEffect.DISBURSE),
        _row(
            _S.FUNDED, _E.REJECT, _S.REJECTED, _A.APPROVER, Part.MONEY, MoneyEffect.RETURN_FUNDING
        ),
        _row(
            _S.FUNDED,
            _E.WITHDRAW,
            _S.WITHDRAWN,
            _A.BORROWER,
            Part.MONEY,
            MoneyEffect.RETURN_FUNDING,
        ),
        # Part 2: repayment.
        _row(_S.DISBURSED, _E.CLOSE, _S.CLOSED, _A.SYSTEM, Part.MONEY),
        _row(
            _S.DISBURSED,
            _E.WRITE_OFF,
            _S.WRITTEN_OFF,
            _A.APPROVER,
            Part.MONEY,
            MoneyEffect.WRITE_OFF,
        ),
    ]
)

TERMINAL_STATUSES: frozenset[LoanStatus] = frozenset(LoanStatus) - {
    source for source, _event in TRANSITIONS
}
"""No transition leaves these: closed, rejected, withdrawn, funding expired, written off."""

OPEN_APPLICATION_STATUSES: frozenset[LoanStatus] = frozenset(
    {_S.SUBMITTED, _S.UNDER_REVIEW, _S.OPEN_FOR_FUNDING, _S.FUNDED}
)
"""Asked for and not yet paid out, nor ended: the borrower's open applications."""

OUTSTANDING_STATUSES: frozenset[LoanStatus] = frozenset({_S.DISBURSED, _S.WRITTEN_OFF})
"""The borrower owes money. A write-off is the financiers' accounting loss, not the
borrower's release, so it still counts against the borrower's limits."""

REPAYING_STATUSES: frozenset[LoanStatus] = frozenset({_S.DISBURSED})
"""Installments fall due: reminders, payments, late fees."""

PLEDGEABLE_STATUSES: frozenset[LoanStatus] = frozenset({_S.OPEN_FOR_FUNDING})
"""Financiers may pledge to the loan."""


class InvalidLoanTransition(ConflictError):
    """The loan cannot take this step now; nothing was changed.

    Codes (``params``: ``current``, ``event``, ``actor``, the enum values):
    ``error.loan.invalid_transition`` (no such step from the current status, e.g. a second
    approval or an action on a closed loan) and ``error.loan.transition_not_permitted`` (the
    step exists, but not for this actor: a borrower approving their own loan).
    """

    default_code = "error.loan.invalid_transition"


def transition(current: LoanStatus, event: LoanEvent, actor: ActorKind) -> Transition:
    """The table row for ``event`` by ``actor`` on a loan in ``current``.

    Raises:
        InvalidLoanTransition: see its docstring for the two codes.
    """
    current, event, actor = LoanStatus(current), LoanEvent(event), ActorKind(actor)
    row = TRANSITIONS.get((current, event))
    params = {"current": current.value, "event": event.value, "actor": actor.value}
    if row is None:
        raise InvalidLoanTransition(code="error.loan.invalid_transition", **params)
    if actor not in row.actors:
        raise InvalidLoanTransition(code="error.loan.transition_not_permitted", **params)
    return row


def next_status(current: LoanStatus, event: LoanEvent, actor: ActorKind) -> LoanStatus:
    """The status a loan in ``current`` moves to when ``actor`` triggers ``event``.

    Raises:
        InvalidLoanTransition: when the table has no such step, or not for ``actor``.
    """
    return transition(current, event, actor).target


def allowed_events(current: LoanStatus, actor: ActorKind) -> tuple[LoanEvent, ...]:
    """The events ``actor`` may trigger on a loan in ``current``, in table order (buttons)."""
    return tuple(
        row.event for row in TRANSITIONS.values() if row.source == current and actor in row.actors
    )


def transitions_of_part(part: Part) -> tuple[Transition, ...]:
    """The rows whose handlers ``part`` of issue 5 implements."""
    return tuple(row for row in TRANSITIONS.values() if row.part is part)
