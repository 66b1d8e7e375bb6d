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
