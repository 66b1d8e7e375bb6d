"""The ledger on a real database, as accounting statements, plus redelivery and races."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.domain.ledger import (
    AccountCodeTaken,
    AccountKind,
    AlreadyReversed,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientFunds,
    JournalEntryDraft,
    LedgerValidationError,
    Posting,
    transfer_draft,
)
from backend.services import ledger
from backend.services.ledger_checks import check_ledger, ledger_totals

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


async def _accounts(db: Database) -> tuple[int, int, int]:
    bank = await ledger.open_account(db, code="bank:bca", kind=AccountKind.BANK_CLEARING)
    siti = await ledger.open_account(db, code="wallet:siti", kind=AccountKind.MEMBER_WALLET)
    budi = await ledger.open_account(db, code="wallet:budi", kind=AccountKind.MEMBER_WALLET)
    return bank.id, siti.id, budi.id


async def _deposit(db: Database, bank: int, wallet: int, amount: int, key: str) -> None:
    await ledger.transfer(
        db,
        from_account_id=bank,
        to_account_id=wallet,
        amount=amount,
        idempotency_key=key,
        now=NOW,
        kind="deposit",
    )


async def _assert_clean(db: Database) -> None:
    report = await check_ledger(db)
    assert report.ok, report.violations


async def test_deposit_credits_the_wallet_and_debits_bank_clearing(db: Database) -> None:
    bank, siti, _ = await _accounts(db)
    entry = await ledger.transfer(
        db,
        from_account_id=bank,
        to_account_id=siti,
        amount=1_500_000,
        idempotency_key="deposit:1",
        now=NOW,
        kind="deposit",
    )
    assert entry.postings == (Posting(bank, -1_500_000), Posting(siti, 1_500_000))
    assert (await ledger.get_account(db, siti)).balance == 1_500_000
    assert (await ledger.get_account(db, bank)).balance == -1_500_000
    assert (await ledger_totals(db)).balance_total == 0
    await _assert_clean(db)


async def test_open_account_is_idempotent_on_its_code(db: Database) -> None:
    first = await ledger.open_account(db, code="wallet:x", kind=AccountKind.MEMBER_WALLET)
    again = await ledger.open_account(db, code="wallet:x", kind=AccountKind.MEMBER_WALLET)
    assert again.id == first.id and not first.allow_negative
    with pytest.raises(AccountCodeTaken):
        await ledger.open_account(db, code="wallet:x", kind=AccountKind.FEE_INCOME)


async def test_a_wallet_never_goes_negative(db: Database) -> None:
    bank, siti, budi = await _accounts(db)
    await _deposit(db, bank, siti, 100, "d")
    with pytest.raises(InsufficientFunds) as raised:
        await ledger.transfer(
            db,
            from_account_id=siti,
            to_account_id=budi,
            amount=101,
            idempotency_key="t",
            now=NOW,
        )
    assert raised.value.code == "error.ledger.insufficient_funds"
    assert raised.value.params["available"] == 100
    assert (await ledger.get_account(db, siti)).balance == 100
    async with UnitOfWork(db, write=False) as uow:
        assert await uow.session.scalar(text("SELECT COUNT(*) FROM journal_entries")) == 1
    await _assert_clean(db)


async def test_the_database_refuses_a_negative_wallet_by_itself(db: Database) -> None:
    _, siti, _ = await _accounts(db)
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        async with UnitOfWork(db) as uow:
            await uow.session.execute(
                text("UPDATE ledger_accounts SET balance = -1 WHERE id = :id"), {"id": siti}
            )
            await uow.commit()


async def test_withdrawal_holds_then_posts(db: Database) -> None:
    bank, siti, _ = await _accounts(db)
    await _deposit(db, bank, siti, 1_000, "d")
    hold = await ledger.in_transaction(
        db,
        lambda uow: ledger.place_hold(
            uow, account_id=siti, amount=600, idempotency_key="w:1:hold", now=NOW
        ),
    )
    account = await ledger.get_account(db, siti)
    assert (account.balance, account.held, account.available) == (1_000, 600, 400)
    with pytest.raises(InsufficientFunds):  # the held money cannot be spent twice
        await ledger.in_transaction(
            db,
            lambda uow: ledger.place_hold(
                uow, account_id=siti, amount=401, idempotency_key="w:2:hold", now=NOW
            ),
        )
    payout = transfer_draft(
        from_account_id=siti,
        to_account_id=bank,
        amount=600,
        idempotency_key="w:1:post",
        kind="withdrawal",
    )
    entry = await ledger.in_transaction(
        db, lambda uow: ledger.post_hold(uow, hold_id=hold.id, draft=payout, now=NOW)
    )
    again = await ledger.in_transaction(
        db, lambda uow: ledger.post_hold(uow, hold_id=hold.id, draft=payout, now=NOW)
    )
    assert again.replayed and again.id == entry.id
    account = await ledger.get_account(db, siti)
    assert (account.balance, account.held, account.available) == (400, 0, 400)
    with pytest.raises(HoldNotPending):
        await ledger.in_transaction(db, lambda uow: ledger.void_hold(uow, hold_id=hold.id, now=NOW))
    await _assert_clean(db)


async def test_post_hold_must_debit_exactly_the_held_amount(db: Database) -> None:
    bank, siti, _ = await _accounts(db)
    await _deposit(db, bank, siti, 1_000, "d")
    hold = await ledger.in_transaction(
        db,
        lambda uow: ledger.place_hold(
            uow, account_id=siti, amount=600, idempotency_key="h", now=NOW
        ),
    )
    wrong = transfer_draft(
        from_account_id=siti, to_account_id=bank, amount=500, idempotency_key="p"
    )
    with pytest.raises(LedgerValidationError, match="hold_amount_mismatch"):
        await ledger.in_transaction(
            db, lambda uow: ledger.post_hold(uow, hold_id=hold.id, draft=wrong, now=NOW)
        )
    await _assert_clean(db)


async def test_void_restores_available(db: Database) -> None:
    bank, siti, _ = await _accounts(db)
    await _deposit(db, bank, siti, 1_000, "d")
    hold = await ledger.in_transaction(
        db,
        lambda uow: ledger.place_hold(
            uow, account_id=siti, amount=1_000, idempotency_key="h", now=NOW
        ),
    )
    assert (await ledger.get_account(db, siti)).available == 0
    voided = await ledger.in_transaction(
        db, lambda uow: ledger.void_hold(uow, hold_id=hold.id, now=NOW)
    )
    assert voided.status == "voided" and not voided.replayed
    replay = await ledger.in_transaction(
        db, lambda uow: ledger.void_hold(uow, hold_id=hold.id, now=NOW)
    )
    assert replay.replayed
    account = await ledger.get_account(db, siti)
    assert (account.balance, account.held, account.available) == (1_000, 0, 1_000)
    payout = transfer_draft(
        from_account_id=siti, to_account_id=bank, amount=1_000, idempotency_key="p"
    )
    with pytest.raises(HoldNotPending):
        await ledger.in_transaction(
            db, lambda uow: ledger.post_hold(uow, hold_id=hold.id, draft=payout, now=NOW)
        )
    await _assert_clean(db)


async def test_reversal_undoes_an_entry_once(db: Database) -> None:
    bank, siti, _ = await _accounts(db)
    entry = await ledger.transfer(
        db,
        from_account_id=bank,
        to_account_id=siti,
        amount=250,
        idempotency_key="d",
        now=NOW,
        kind="deposit",
    )
    reversal = await ledger.in_transaction(
        db,
        lambda uow: ledger.reverse_entry(uow, entry_id=entry.id, idempotency_key="r", now=NOW),
    )
    assert reversal.reverses_entry_id == entry.id
    assert reversal.postings == (Posting(bank, 250), Posting(siti, -250))
    replay = await ledger.in_transaction(
        db,
        lambda uow: ledger.reverse_entry(uow, entry_id=entry.id, idempotency_key="r", now=NOW),
    )
    assert replay.replayed and replay.id == reversal.id
    with pytest.raises(AlreadyReversed):
        await ledger.in_transaction(
            db,
            lambda uow: ledger.reverse_entry(uow, entry_id=entry.id, idempotency_key="r2", now=NOW),
        )
    assert (await ledger.get_account(db, siti)).balance == 0
    await _assert_clean(db)


async def test_a_key_reused_for_another_effect_is_refused(db: Database) -> None:
    bank, siti, budi = await _accounts(db)
    await _deposit(db, bank, siti, 100, "k")
    await _deposit(db, bank, siti, 100, "k")  # replay: no effect
    assert (await ledger.get_account(db, siti)).balance == 100
    with pytest.raises(IdempotencyConflict):
        await _deposit(db, bank, budi, 100, "k")
    await _assert_clean(db)


async def test_redelivery_five_times_concurrently_posts_once(db: Database) -> None:
    bank, siti, _ = await _accounts(db)
    draft = JournalEntryDraft(
        idempotency_key="tg:update:4242",
        kind="deposit",
        postings=(Posting(bank, -75_000), Posting(siti, 75_000)),
    )
    results = await asyncio.gather(
        *(
            ledger.in_transaction(db, lambda uow: ledger.post_entry(uow, draft, now=NOW))
            for _ in range(5)
        )
    )
    assert len({r.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert (await ledger.get_account(db, siti)).balance == 75_000
    await _assert_clean(db)


async def test_overdraft_race_accepts_at_most_the_balance(db: Database) -> None:
    bank, siti, _ = await _accounts(db)
    balance = 1_000_000
    await _deposit(db, bank, siti, balance, "d")

    async def withdraw(n: int) -> int:
        try:
            await ledger.in_transaction(
                db,
                lambda uow: ledger.place_hold(
                    uow,
                    account_id=siti,
                    amount=balance * 40 // 100,
                    idempotency_key=f"w:{n}",
                    now=NOW,
                ),
            )
        except InsufficientFunds:
            return 0
        return balance * 40 // 100

    accepted = await asyncio.gather(*(withdraw(n) for n in range(20)))
    assert sum(accepted) <= balance
    assert sum(1 for a in accepted if a) == 2
    account = await ledger.get_account(db, siti)
    assert account.available >= 0 and account.held == sum(accepted)
    await _assert_clean(db)


async def test_check_ledger_reports_a_tampered_balance(db: Database) -> None:
    bank, siti, _ = await _accounts(db)
    await _deposit(db, bank, siti, 100, "d")
    async with UnitOfWork(db) as uow:
        await uow.session.execute(
            text("UPDATE ledger_accounts SET balance = balance + 1 WHERE id = :id"), {"id": siti}
        )
        await uow.commit()
    report = await check_ledger(db)
    assert not report.ok
    assert [v.code for v in report.violations] == ["ledger.balance_mismatch"]
