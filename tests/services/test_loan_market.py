"""The financiers' list of loans open for funding: scores per financier, order, filters,
pages, and no raw borrower data (both databases)."""

from __future__ import annotations

import dataclasses

import pytest

from backend.db.engine import Database
from backend.domain.connect_score import Evidence
from backend.domain.loans import LoanNotFound, LoanUnavailable
from backend.domain.members import Role
from backend.services import connect_profiles, loan_review, member_admin
from backend.services.loan_market import (
    MarketQuery,
    MarketSort,
    get_open_loan,
    list_open_loans,
)
from tests.connect_factories import NOW, consenting_member, went_to, works_at
from tests.loan_factories import NARRATIVE, as_staff, product_id, reviewed_loan

pytestmark = pytest.mark.usefixtures("seeded_db")


async def verified(db: Database, member_id: int) -> None:
    admin = await as_staff(db, "superadmin")
    await member_admin.verify_member(db, actor=admin, member_id=member_id, ip="x", now=NOW)


async def open_loan(db: Database, borrower_id: int, key: str, **overrides: object) -> int:
    """A loan reviewed by the JKT01 credit officer, approved by the branch manager."""
    loan = await reviewed_loan(db, borrower_id, key, **overrides)
    manager = await as_staff(db, "manager.jkt")
    await loan_review.approve_loan(
        db, actor=manager, loan_id=loan.loan.id, nonce=f"n-{key}", ip="x", now=NOW
    )
    return loan.loan.id


@pytest.fixture
async def market(seeded_db: Database) -> dict[str, int]:
    """Two borrowers with one open loan each, and two financiers connected differently.

    Rina works with Budi (the borrower of loan A); Agus went to school with Dewi (loan B).
    """
    db = seeded_db
    ids: dict[str, int] = {}
    for name, n in (("budi", 1), ("dewi", 2)):
        who = await consenting_member(db, n, roles=[Role.BORROWER])
        await verified(db, who.id)
        ids[name] = who.id
    for name, n in (("rina", 3), ("agus", 4)):
        who = await consenting_member(db, n)
        await verified(db, who.id)
        ids[name] = who.id
    await works_at(db, ids["budi"], "PT Telkom Indonesia")
    await works_at(db, ids["rina"], "Telkom")
    await went_to(db, ids["dewi"], "SMA Negeri 3 Bandung", 2008)
    await went_to(db, ids["agus"], "SMAN 3 Bandung", 2008)
    ids["loan_a"] = await open_loan(db, ids["budi"], "a", amount=3_000_000)
    ids["loan_b"] = await open_loan(db, ids["dewi"], "b", amount=8_000_000)
    return ids


async def test_two_financiers_see_different_scores_and_order(
    seeded_db: Database, market: dict[str, int]
) -> None:
    rina = await list_open_loans(seeded_db, financier_id=market["rina"], query=MarketQuery())
    agus = await list_open_loans(seeded_db, financier_id=market["agus"], query=MarketQuery())

    assert [c.id for c in rina.loans] == [market["loan_a"], market["loan_b"]]
    assert [c.id for c in agus.loans] == [market["loan_b"], market["loan_a"]]
    first = rina.loans[0]
    assert first.score.value == 9
    # Strongest reason first; all four members are of the JKT01 branch.
    assert first.score.reasons == (Evidence.SAME_CURRENT_WORKPLACE, Evidence.SAME_BRANCH)
    assert agus.loans[0].score.reasons[0] == Evidence.CLASSMATES  # same school, same year
    assert rina.loans[1].score.reasons == (Evidence.SAME_BRANCH,)
    assert rina.loans[1].score.value < first.score.value


async def test_cards_carry_no_raw_borrower_data(
    seeded_db: Database, market: dict[str, int]
) -> None:
    page = await list_open_loans(seeded_db, financier_id=market["rina"], query=MarketQuery())
    card = page.loans[0]
    assert card.borrower_first_name == "Budi"
    assert card.amount == 3_000_000 and card.funded == 0 and card.remaining == 3_000_000
    fields = {f.name for f in dataclasses.fields(card)}
    assert not fields & {"member_id", "full_name", "telegram_user_id", "nik", "phone", "address"}
    assert "Anggota" not in repr(card)  # the family name never leaves the service


async def test_sort_by_amount_and_newest_and_filters(
    seeded_db: Database, market: dict[str, int]
) -> None:
    by_amount = await list_open_loans(
        seeded_db, financier_id=market["rina"], query=MarketQuery(sort=MarketSort.AMOUNT)
    )
    assert [c.amount for c in by_amount.loans] == [8_000_000, 3_000_000]
    newest = await list_open_loans(
        seeded_db, financier_id=market["rina"], query=MarketQuery(sort=MarketSort.NEWEST)
    )
    assert [c.id for c in newest.loans] == [market["loan_b"], market["loan_a"]]
    strong = await list_open_loans(
        seeded_db, financier_id=market["rina"], query=MarketQuery(min_score=8)
    )
    assert [c.id for c in strong.loans] == [market["loan_a"]] and strong.total == 1
    other_product = await list_open_loans(
        seeded_db,
        financier_id=market["rina"],
        query=MarketQuery(product_id=await product_id(seeded_db, "DD")),
    )
    assert other_product.loans == () and other_product.pages == 1


async def test_pages(seeded_db: Database, market: dict[str, int]) -> None:
    first = await list_open_loans(
        seeded_db, financier_id=market["rina"], query=MarketQuery(), page_size=1
    )
    beyond = await list_open_loans(
        seeded_db, financier_id=market["rina"], query=MarketQuery(page=9), page_size=1
    )
    assert (first.page, first.pages, first.total) == (1, 2, 2)
    assert beyond.page == 2 and [c.id for c in beyond.loans] == [market["loan_b"]]


async def test_withdrawing_consent_drops_the_score_at_once(
    seeded_db: Database, market: dict[str, int]
) -> None:
    await connect_profiles.withdraw_consent(seeded_db, member_id=market["budi"], now=NOW)
    page = await list_open_loans(seeded_db, financier_id=market["rina"], query=MarketQuery())
    loan_a = next(c for c in page.loans if c.id == market["loan_a"])
    assert Evidence.SAME_CURRENT_WORKPLACE not in loan_a.score.reasons


async def test_loan_page_shows_narrative_and_schedule(
    seeded_db: Database, market: dict[str, int]
) -> None:
    detail = await get_open_loan(seeded_db, financier_id=market["agus"], loan_id=market["loan_b"])
    assert detail.narrative == NARRATIVE
    assert len(detail.installments) == 6
    assert sum(i.principal for i in detail.installments) == 8_000_000
    assert detail.loan.score.value >= 1


async def test_only_verified_financiers_and_only_open_loans(
    seeded_db: Database, market: dict[str, int]
) -> None:
    with pytest.raises(LoanUnavailable) as refused:
        await list_open_loans(seeded_db, financier_id=market["budi"], query=MarketQuery())
    assert refused.value.code == "error.loan_market.not_financier"
    unverified = await consenting_member(seeded_db, 9)
    with pytest.raises(LoanUnavailable) as not_verified:
        await list_open_loans(seeded_db, financier_id=unverified.id, query=MarketQuery())
    assert not_verified.value.code == "error.loan_market.not_verified"
    submitted = await reviewed_loan(seeded_db, market["budi"], "c", amount=2_000_000)
    with pytest.raises(LoanNotFound):
        await get_open_loan(seeded_db, financier_id=market["rina"], loan_id=submitted.loan.id)
    page = await list_open_loans(seeded_db, financier_id=market["rina"], query=MarketQuery())
    assert submitted.loan.id not in {c.id for c in page.loans}
