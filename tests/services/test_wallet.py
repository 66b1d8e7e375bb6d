"""Cash-in and cash-out through the services: money moves once, holds protect, audit and
notices follow every decision (both databases)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models_ledger import JournalEntry
from backend.db.models_staff import AuditEntry, OutboxMessage
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import ValidationError
from backend.domain.wallet import (
    DepositStatus,
    DuplicateBankReference,
    RequestAlreadyDecided,
    SameStaffNotAllowed,
    WalletAmountError,
    WalletUnavailable,
    WithdrawalStatus,
)
from backend.services import wallet, wallet_admin, wallet_settings
from backend.services.ledger_checks import check_ledger
from tests.wallet_factories import NOW, as_staff, receiving_account, verified_financier


async def _count(db: Database, model: type, *conditions: object) -> int:
    async with UnitOfWork(db, write=False) as uow:
        return int(
            await uow.session.scalar(select(func.count()).select_from(model).where(*conditions))
            or 0
        )


async def funded_member(db: Database, amount: int = 2_000_000) -> int:
    member = await verified_financier(db)
    await receiving_account(db)
    deposit = await wallet.start_deposit(
        db, member_id=member.id, amount=amount, request_key="fund-1", now=NOW
    )
    treasurer = await as_staff(db, "bendahara.jkt")
    await wallet_admin.confirm_deposit(
        db,
        actor=treasurer,
        deposit_id=deposit.id,
        received_amount=amount,
        bank_reference="FUND-1",
        nonce="n-fund",
        ip="10.0.0.2",
        now=NOW,
    )
    return member.id


async def test_deposit_gets_a_unique_transfer_amount_and_credits_once_on_confirmation(
    seeded_db: Database,
) -> None:
    db = seeded_db
    member = await verified_financier(db)
    account = await receiving_account(db)
    first = await wallet.start_deposit(
        db, member_id=member.id, amount=1_500_000, request_key="k1", now=NOW
    )
    second = await wallet.start_deposit(
        db, member_id=member.id, amount=1_500_000, request_key="k2", now=NOW
    )
    replay = await wallet.start_deposit(
        db, member_id=member.id, amount=1_500_000, request_key="k1", now=NOW
    )
    assert replay.id == first.id and replay.replayed
    assert first.receiving.account_number == account.account_number
    assert 1 <= first.unique_code <= 999
    assert first.transfer_amount == 1_500_000 + first.unique_code
    assert first.transfer_amount != second.transfer_amount
    assert first.deadline_at == NOW + dt.timedelta(hours=24)

    treasurer = await as_staff(db, "bendahara.jkt")
    confirm = dict(
        actor=treasurer,
        deposit_id=first.id,
        received_amount=first.transfer_amount,
        bank_reference=" trx 0001 ",
        nonce="form-1",
        ip="10.0.0.2",
        now=NOW,
    )
    done = await wallet_admin.confirm_deposit(db, **confirm)  # type: ignore[arg-type]
    again = await wallet_admin.confirm_deposit(db, **confirm)  # type: ignore[arg-type]
    assert done.status is DepositStatus.CONFIRMED and done.bank_reference == "TRX0001"
    assert again.replayed and again.entry_id == done.entry_id
    summary = await wallet.wallet_summary(db, member_id=member.id)
    assert summary.balance == first.transfer_amount
    assert [m.kind for m in summary.recent] == ["deposit"]
    assert await _count(db, AuditEntry, AuditEntry.action == "deposit.confirmed") == 1
    notices = await _count(
        db, OutboxMessage, OutboxMessage.message_key == "wallet.notice.deposit_confirmed"
    )
    assert notices == 1

    with pytest.raises(DuplicateBankReference):
        await wallet_admin.confirm_deposit(
            db,
            **{**confirm, "deposit_id": second.id, "nonce": "form-2"},  # type: ignore[arg-type]
        )
    with pytest.raises(RequestAlreadyDecided) as refused:
        await wallet_admin.reject_deposit(
            db, actor=treasurer, deposit_id=first.id, reason="salah", nonce="f3", ip="x", now=NOW
        )
    assert refused.value.params["decided_by"] == "bendahara.jkt"
    assert (await check_ledger(db)).ok


async def test_two_treasurers_confirming_at_once_credit_once_and_one_is_refused(
    seeded_db: Database,
) -> None:
    db = seeded_db
    member = await verified_financier(db)
    await receiving_account(db)
    deposit = await wallet.start_deposit(
        db, member_id=member.id, amount=1_000_000, request_key="k", now=NOW
    )
    treasurer = await as_staff(db, "bendahara.jkt")
    admin = await as_staff(db, "superadmin")

    async def confirm(actor: object, nonce: str, reference: str) -> object:
        try:
            return await wallet_admin.confirm_deposit(
                db,
                actor=actor,  # type: ignore[arg-type]
                deposit_id=deposit.id,
                received_amount=deposit.transfer_amount,
                bank_reference=reference,
                nonce=nonce,
                ip="10.0.0.3",
                now=NOW,
            )
        except RequestAlreadyDecided as refusal:
            return refusal

    results = await asyncio.gather(confirm(treasurer, "a", "REF-A"), confirm(admin, "b", "REF-B"))
    refusals = [r for r in results if isinstance(r, RequestAlreadyDecided)]
    assert len(refusals) == 1
    assert await _count(db, JournalEntry, JournalEntry.kind == "deposit") == 1
    assert (await wallet.wallet_summary(db, member_id=member.id)).balance == deposit.transfer_amount
    assert (await check_ledger(db)).ok


async def test_same_confirm_form_five_times_concurrently_is_one_credit(seeded_db: Database) -> None:
    db = seeded_db
    member = await verified_financier(db)
    await receiving_account(db)
    deposit = await wallet.start_deposit(
        db, member_id=member.id, amount=1_000_000, request_key="k", now=NOW
    )
    treasurer = await as_staff(db, "bendahara.jkt")
    results = await asyncio.gather(
        *(
            wallet_admin.confirm_deposit(
                db,
                actor=treasurer,
                deposit_id=deposit.id,
                received_amount=deposit.transfer_amount,
                bank_reference="SAME-REF",
                nonce="same-form",
                ip="10.0.0.3",
                now=NOW,
            )
            for _ in range(5)
        )
    )
    assert {r.entry_id for r in results} == {results[0].entry_id}
    assert sum(not r.replayed for r in results) == 1
    assert await _count(db, JournalEntry, JournalEntry.kind == "deposit") == 1


async def test_bad_deposit_amounts_are_refused_with_the_rule_broken(seeded_db: Database) -> None:
    db = seeded_db
    member = await verified_financier(db)
    await receiving_account(db)
    with pytest.raises(WalletAmountError) as below:
        await wallet.start_deposit(db, member_id=member.id, amount=50_000, request_key="a", now=NOW)
    assert below.value.code == "error.wallet.below_minimum"
    with pytest.raises(WalletAmountError) as step:
        await wallet.start_deposit(
            db, member_id=member.id, amount=120_000, request_key="b", now=NOW
        )
    assert step.value.code == "error.wallet.not_multiple"
    assert step.value.params == {"step": 50_000, "lower": 100_000, "upper": 150_000}
    assert (await wallet.list_deposits(db, member_id=member.id, page=0)).total == 0


async def test_unverified_member_and_branch_without_account_cannot_deposit(
    seeded_db: Database,
) -> None:
    from tests.factories import registered_member

    db = seeded_db
    pending = await registered_member(db)
    with pytest.raises(WalletUnavailable) as unverified:
        await wallet.start_deposit(
            db, member_id=pending.id, amount=500_000, request_key="a", now=NOW
        )
    assert unverified.value.code == "error.wallet.not_verified"
    admin = await as_staff(db, "superadmin")
    from backend.services import member_admin

    await member_admin.verify_member(db, actor=admin, member_id=pending.id, ip="x", now=NOW)
    for account in await wallet_settings.list_receiving_accounts(db, actor=admin):
        if account.branch_id == pending.branch.id:  # the demo account of the branch
            await wallet_settings.set_receiving_account_active(
                db, actor=admin, account_id=account.id, active=False, ip="x", now=NOW
            )
    with pytest.raises(WalletUnavailable) as no_account:
        await wallet.start_deposit(
            db, member_id=pending.id, amount=500_000, request_key="a", now=NOW
        )
    assert no_account.value.code == "error.wallet.no_receiving_account"


async def test_withdrawal_holds_at_once_and_pays_once(seeded_db: Database) -> None:
    db = seeded_db
    member_id = await funded_member(db, 2_000_000)
    preview = await wallet.preview_withdrawal(db, member_id=member_id, amount=500_000, now=NOW)
    assert preview.bank_account_masked.endswith("4567") and preview.available == 2_000_000
    request = await wallet.start_withdrawal(
        db, member_id=member_id, amount=500_000, request_key="w1", now=NOW
    )
    summary = await wallet.wallet_summary(db, member_id=member_id)
    assert (summary.balance, summary.held, summary.available) == (2_000_000, 500_000, 1_500_000)
    with pytest.raises(WalletAmountError) as above:
        await wallet.start_withdrawal(
            db, member_id=member_id, amount=1_510_000, request_key="w2", now=NOW
        )
    assert above.value.code == "error.wallet.above_available"
    treasurer = await as_staff(db, "bendahara.jkt")
    paid = await wallet_admin.mark_withdrawal_paid(
        db,
        actor=treasurer,
        withdrawal_id=request.id,
        bank_reference="OUT-1",
        nonce="p1",
        ip="x",
        now=NOW,
    )
    assert paid.status is WithdrawalStatus.PAID
    summary = await wallet.wallet_summary(db, member_id=member_id)
    assert (summary.balance, summary.held) == (1_500_000, 0)
    assert (await check_ledger(db)).ok


async def test_large_withdrawal_needs_a_second_staff_user(seeded_db: Database) -> None:
    db = seeded_db
    member_id = await funded_member(db, 20_000_000)
    request = await wallet.start_withdrawal(
        db, member_id=member_id, amount=15_000_000, request_key="big", now=NOW
    )
    assert request.needs_checker
    treasurer = await as_staff(db, "bendahara.jkt")
    manager = await as_staff(db, "manager.jkt")
    with pytest.raises(ValidationError) as unapproved:
        await wallet_admin.mark_withdrawal_paid(
            db,
            actor=treasurer,
            withdrawal_id=request.id,
            bank_reference="B1",
            nonce="1",
            ip="x",
            now=NOW,
        )
    assert unapproved.value.code == "error.wallet.needs_approval"
    await wallet_admin.approve_withdrawal(
        db, actor=treasurer, withdrawal_id=request.id, nonce="2", ip="x", now=NOW
    )
    with pytest.raises(SameStaffNotAllowed):
        await wallet_admin.mark_withdrawal_paid(
            db,
            actor=treasurer,
            withdrawal_id=request.id,
            bank_reference="B1",
            nonce="3",
            ip="x",
            now=NOW,
        )
    paid = await wallet_admin.mark_withdrawal_paid(
        db, actor=manager, withdrawal_id=request.id, bank_reference="B1", nonce="4", ip="x", now=NOW
    )
    assert paid.status is WithdrawalStatus.PAID and paid.approved_by == "bendahara.jkt"


async def test_rejected_or_cancelled_withdrawal_releases_the_hold(seeded_db: Database) -> None:
    db = seeded_db
    member_id = await funded_member(db, 1_000_000)
    first = await wallet.start_withdrawal(
        db, member_id=member_id, amount=300_000, request_key="a", now=NOW
    )
    second = await wallet.start_withdrawal(
        db, member_id=member_id, amount=200_000, request_key="b", now=NOW
    )
    treasurer = await as_staff(db, "bendahara.jkt")
    await wallet_admin.reject_withdrawal(
        db,
        actor=treasurer,
        withdrawal_id=first.id,
        reason="Nama rekening beda",
        nonce="r",
        ip="x",
        now=NOW,
    )
    await wallet.cancel_withdrawal(db, member_id=member_id, withdrawal_id=second.id, now=NOW)
    summary = await wallet.wallet_summary(db, member_id=member_id)
    assert (summary.balance, summary.held) == (1_000_000, 0)
    assert (await check_ledger(db)).ok


async def test_concurrent_cash_outs_never_exceed_the_balance(seeded_db: Database) -> None:
    db = seeded_db
    member_id = await funded_member(db, 1_000_000)

    async def attempt(n: int) -> bool:
        try:
            await wallet.start_withdrawal(
                db, member_id=member_id, amount=400_000, request_key=f"race-{n}", now=NOW
            )
            return True
        except WalletAmountError:
            return False

    accepted = await asyncio.gather(*(attempt(n) for n in range(10)))
    assert sum(accepted) == 2
    summary = await wallet.wallet_summary(db, member_id=member_id)
    assert summary.held == 800_000 and summary.available == 200_000
    assert (await check_ledger(db)).ok


async def test_expiry_marks_overdue_requests_and_tells_the_member(seeded_db: Database) -> None:
    db = seeded_db
    member = await verified_financier(db)
    await receiving_account(db)
    deposit = await wallet.start_deposit(
        db, member_id=member.id, amount=500_000, request_key="e", now=NOW
    )
    assert await wallet.expire_deposits(db, now=NOW + dt.timedelta(hours=23)) == 0
    assert await wallet.expire_deposits(db, now=NOW + dt.timedelta(hours=24)) == 1
    assert await wallet.expire_deposits(db, now=NOW + dt.timedelta(hours=25)) == 0
    expired = await wallet.get_deposit(db, member_id=member.id, deposit_id=deposit.id)
    assert expired.status is DepositStatus.EXPIRED
    notices = await _count(
        db, OutboxMessage, OutboxMessage.message_key == "wallet.notice.deposit_expired"
    )
    assert notices == 1


async def test_the_same_request_delivered_five_times_at_once_is_one_request(
    seeded_db: Database,
) -> None:
    from backend.db.models_ledger import LedgerHold
    from backend.db.models_wallet import DepositRequest, WithdrawalRequest

    db = seeded_db
    member_id = await funded_member(db, 1_000_000)
    withdrawals = await asyncio.gather(
        *(
            wallet.start_withdrawal(
                db, member_id=member_id, amount=300_000, request_key="tap", now=NOW
            )
            for _ in range(5)
        )
    )
    deposits = await asyncio.gather(
        *(
            wallet.start_deposit(
                db, member_id=member_id, amount=500_000, request_key="tap", now=NOW
            )
            for _ in range(5)
        )
    )
    assert len({w.id for w in withdrawals}) == 1 and sum(not w.replayed for w in withdrawals) == 1
    assert len({d.id for d in deposits}) == 1 and sum(not d.replayed for d in deposits) == 1
    assert await _count(db, WithdrawalRequest) == 1
    assert await _count(db, DepositRequest, DepositRequest.request_key == "tap") == 1
    assert await _count(db, LedgerHold) == 1
    assert (await wallet.wallet_summary(db, member_id=member_id)).held == 300_000
    assert (await check_ledger(db)).ok


async def test_paying_needs_an_active_cooperative_account_in_the_branch(
    seeded_db: Database,
) -> None:
    db = seeded_db
    member_id = await funded_member(db, 1_000_000)
    request = await wallet.start_withdrawal(
        db, member_id=member_id, amount=200_000, request_key="p", now=NOW
    )
    admin = await as_staff(db, "superadmin")
    for account in await wallet_settings.list_receiving_accounts(db, actor=admin):
        await wallet_settings.set_receiving_account_active(
            db, actor=admin, account_id=account.id, active=False, ip="x", now=NOW
        )
    with pytest.raises(WalletUnavailable) as refused:
        await wallet_admin.mark_withdrawal_paid(
            db,
            actor=admin,
            withdrawal_id=request.id,
            bank_reference="X1",
            nonce="n",
            ip="x",
            now=NOW,
        )
    assert refused.value.code == "error.wallet.no_paying_account"
    assert (await wallet.wallet_summary(db, member_id=member_id)).held == 200_000
