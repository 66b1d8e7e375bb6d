"""Member roles and statuses, and what each status allows."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a member does in kopdana: fund loans (pendana) or borrow (peminjam)."""

    FINANCIER = "financier"
    BORROWER = "borrower"


class MemberStatus(StrEnum):
    """Where a member stands with the cooperative.

    New members await verification by staff (KYC). A deactivated member can no longer
    act in the bot; a rejected one may read their data and ask staff for help.
    """

    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    REJECTED = "rejected"
    DEACTIVATED = "deactivated"


def may_use_bot(status: MemberStatus) -> bool:
    """Whether a member in ``status`` may act in the bot at all."""
    return status is not MemberStatus.DEACTIVATED


def may_move_money(status: MemberStatus) -> bool:
    """Money actions (cash-in, funding, loans) are for verified members only."""
    return status is MemberStatus.VERIFIED


SUPPORTED_LANGUAGES = ("id", "en")


_TRANSITIONS: frozenset[tuple[MemberStatus, MemberStatus]] = frozenset(
    {
        (MemberStatus.AWAITING_VERIFICATION, MemberStatus.VERIFIED),
        (MemberStatus.AWAITING_VERIFICATION, MemberStatus.REJECTED),
        (MemberStatus.REJECTED, MemberStatus.VERIFIED),
        (MemberStatus.AWAITING_VERIFICATION, MemberStatus.DEACTIVATED),
        (MemberStatus.VERIFIED, MemberStatus.DEACTIVATED),
        (MemberStatus.REJECTED, MemberStatus.DEACTIVATED),
    }
)


def can_change_status(current: MemberStatus, target: MemberStatus) -> bool:
    """Whether staff may move a member from ``current`` to ``target`` (KYC and access).

    Reactivation is not a plain transition: it returns a deactivated member to the
    status they had before (see ``status_after_reactivation``).
    """
    return (current, target) in _TRANSITIONS


def status_after_reactivation(history: list[MemberStatus]) -> MemberStatus:
    """The status a reactivated member returns to: the last one before deactivation.

    ``history`` is the member's statuses, oldest first, ending with DEACTIVATED.
    """
    for status in reversed(history):
        if status is not MemberStatus.DEACTIVATED:
            return status
    return MemberStatus.AWAITING_VERIFICATION
