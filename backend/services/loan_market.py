"""The financiers' list of loans open for funding, with each borrower's connection score.

A financier sees, per loan: amount, tenor, product, purpose, how much is funded, the
borrower's first name and branch, and the connection score with its reasons (categories
only, computed by ``connect_scores.score_borrowers`` on demand). Never the borrower's full
name, Telegram id, NIK, address or shared profile.

Every listing scores all loans matching the product filter (the minimum-score filter and
the score order need them all), from a light query of four integer columns (loan, borrower,
amount, the borrower's branch) that the database returns newest first; the score and
amount orders are stable sorts of it, and only the page's loans are then loaded in full.
Funding comes with loans part 2: until then no loan can hold a pledge, so ``funded`` is 0
by construction; part 2 sums the pledges here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import selectinload

from backend.db.engine import Database
from backend.db.models import Branch, Member
from backend.db.models_loans import Loan, LoanProduct
from backend.db.unit_of_work import UnitOfWork
from backend.domain.connect_score import NO_CONNECTION, ConnectionScore
from backend.domain.loan_lifecycle import LoanStatus
from backend.domain.loans import LoanKind, LoanNotFound, LoanUnavailable
from backend.domain.members import MemberStatus, Role
from backend.services.clock import as_utc
from backend.services.connect_scores import score_borrowers
from backend.services.loan_dto import InstallmentView, ProductView
from backend.services.loan_products import list_active_products
from backend.services.loan_views import stored_installments

PAGE_SIZE = 5
"""Loans per page: five cards fit a small phone's screen without scrolling far."""


class MarketSort(StrEnum):
    SCORE = "score"
    """Strongest connection first; newest first among equal scores."""
    NEWEST = "newest"
    AMOUNT = "amount"
    """Largest amount first; newest first among equal amounts."""


@dataclass(frozen=True, slots=True)
class MarketQuery:
    sort: MarketSort = MarketSort.SCORE
    min_score: int = 0
    product_id: int | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class OpenLoanView:
    """A loan as a financier sees it in the list: no raw data about the borrower."""

    id: int
    reference: str
    amount: int
    funded: int
    tenor_months: int
    product_name_id: str
    product_name_en: str
    kind: LoanKind
    purpose: str
    business_type: str | None
    borrower_first_name: str
    branch_name: str
    opened_at: dt.datetime
    score: ConnectionScore

    def product_name(self, language: str) -> str:
        return self.product_name_en if language == "en" else self.product_name_id

    @property
    def remaining(self) -> int:
        return self.amount - self.funded


@dataclass(frozen=True, slots=True)
class MarketPage:
    loans: tuple[OpenLoanView, ...]
    page: int
    pages: int
    total: int
    query: MarketQuery
    products: tuple[ProductView, ...] = ()
    """The active products, by code: what the product filter offers and names."""


@dataclass(frozen=True, slots=True)
class OpenLoanDetail:
    """A loan's page for financiers: the list card, the officer's narrative, the schedule."""

    loan: OpenLoanView
    narrative: str
    installment: int
    installments: tuple[InstallmentView, ...]


def first_name(full_name: str) -> str:
    """The first word of a member's name: all a financier learns of who borrows."""
    words = full_name.split()
    return words[0] if words else ""


async def _financier(uow: UnitOfWork, member_id: int) -> Member:
    member = await uow.session.scalar(
        select(Member).options(selectinload(Member.roles)).where(Member.id == member_id)
    )
    if member is None:
        raise LoanUnavailable(code="error.loan_market.not_member")
    if member.status != MemberStatus.VERIFIED.value:
        raise LoanUnavailable(code="error.loan_market.not_verified")
    if Role.FINANCIER.value not in {r.role for r in member.roles}:
        raise LoanUnavailable(code="error.loan_market.not_financier")
    return member


def _cards() -> Select[Loan, str, str, str, str]:
    """Loans with what a card shows: borrower's name (for the first name), branch, product."""
    return (
        select(Loan, Member.full_name, Branch.name, LoanProduct.name_id, LoanProduct.name_en)
        .join(Member, Member.id == Loan.member_id)
        .join(Branch, Branch.id == Loan.branch_id)
        .join(LoanProduct, LoanProduct.id == Loan.product_id)
    )


def _card(row: Row[Loan, str, str, str, str], score: ConnectionScore) -> OpenLoanView:
    loan, full_name, branch_name, name_id, name_en = row
    return OpenLoanView(
        id=loan.id,
        reference=loan.reference,
        amount=loan.amount,
        funded=0,
        tenor_months=loan.tenor_months,
        product_name_id=name_id,
        product_name_en=name_en,
        kind=LoanKind(loan.kind),
        purpose=loan.purpose,
        business_type=loan.business_type,
        borrower_first_name=first_name(full_name),
        branch_name=branch_name,
        opened_at=as_utc(loan.status_changed_at),
        score=score,
    )


_Candidate = tuple[int, int, int, int]
"""(loan id, borrower id, amount, borrower's branch id) of a loan open for funding."""


def _ordered(
    newest_first: Sequence[_Candidate], scores: dict[int, ConnectionScore], query: MarketQuery
) -> list[int]:
    """Loan ids passing the minimum score, in the requested order.

    ``newest_first`` comes sorted by the database (newest first, then the higher id), so
    the score and amount orders are stable sorts of it: newest first among equals.
    """

    def score_of(row: _Candidate) -> int:
        return scores.get(row[1], NO_CONNECTION).value

    if query.min_score > 0:
        kept = [row for row in newest_first if score_of(row) >= query.min_score]
    else:
        kept = list(newest_first)
    if query.sort is MarketSort.SCORE:
        kept.sort(key=score_of, reverse=True)
    elif query.sort is MarketSort.AMOUNT:
        kept.sort(key=lambda row: row[2], reverse=True)
    return [row[0] for row in kept]


async def list_open_loans(
    db: Database, *, financier_id: int, query: MarketQuery, page_size: int = PAGE_SIZE
) -> MarketPage:
    """One page of the loans open for funding, scored for ``financier_id``.

    The financier's own loans are left out. ``query.page`` beyond the last page shows the
    last page.

    Raises:
        LoanUnavailable: the member is not a verified financier
            (``error.loan_market.not_member``, ``.not_verified``, ``.not_financier``).
    """
    async with UnitOfWork(db, write=False) as uow:
        await _financier(uow, financier_id)
        light = (
            select(Loan.id, Loan.member_id, Loan.amount, Member.branch_id)
            .join(Member, Member.id == Loan.member_id)
            .where(
                Loan.status == LoanStatus.OPEN_FOR_FUNDING.value,
                Loan.member_id != financier_id,
            )
            .order_by(Loan.status_changed_at.desc(), Loan.id.desc())
        )
        if query.product_id is not None:
            light = light.where(Loan.product_id == query.product_id)
        # Core rows, not the ORM's, made plain tuples of four integers: thousands of them
        # live through the scoring, and such tuples are no work for the garbage collector.
        connection = await uow.session.connection()
        candidates: list[_Candidate] = [
            (loan_id, borrower_id, amount, branch_id)
            for loan_id, borrower_id, amount, branch_id in await connection.execute(light)
        ]
    branches = {row[1]: row[3] for row in candidates}
    scores = await score_borrowers(
        db, financier_id=financier_id, borrower_ids=branches, borrower_branches=branches
    )
    products = await list_active_products(db)
    ordered = _ordered(candidates, scores, query)
    pages = max(1, math.ceil(len(ordered) / page_size))
    page = min(max(1, query.page), pages)
    chosen = ordered[(page - 1) * page_size : page * page_size]
    async with UnitOfWork(db, write=False) as uow:
        rows = (await uow.session.execute(_cards().where(Loan.id.in_(chosen)))).all()
    by_id = {row[0].id: row for row in rows}
    cards = tuple(
        _card(by_id[loan_id], scores.get(by_id[loan_id][0].member_id, NO_CONNECTION))
        for loan_id in chosen
        if loan_id in by_id
    )
    return MarketPage(
        loans=cards,
        page=page,
        pages=pages,
        total=len(ordered),
        query=query,
        products=products,
    )


async def get_open_loan(db: Database, *, financier_id: int, loan_id: int) -> OpenLoanDetail:
    """A loan open for funding as its page shows it to a financier.

    Raises:
        LoanUnavailable: the member is not a verified financier.
        LoanNotFound: no such loan, not open for funding, or the financier's own.
    """
    async with UnitOfWork(db, write=False) as uow:
        await _financier(uow, financier_id)
        row = (
            await uow.session.execute(
                _cards().where(
                    Loan.id == loan_id,
                    Loan.status == LoanStatus.OPEN_FOR_FUNDING.value,
                    Loan.member_id != financier_id,
                )
            )
        ).one_or_none()
        if row is None:
            raise LoanNotFound()
        views = await stored_installments(uow, loan_id)
    loan: Loan = row[0]
    scores = await score_borrowers(db, financier_id=financier_id, borrower_ids=[loan.member_id])
    return OpenLoanDetail(
        loan=_card(row, scores.get(loan.member_id, NO_CONNECTION)),
        narrative=loan.narrative,
        installment=views[0].installment if views else 0,
        installments=views,
    )
