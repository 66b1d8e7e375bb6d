"""Treasurers pay out cash-out requests in the panel: the member's account in full, mark
transferred with the bank reference or reject (the hold is released); above the
threshold one staff user approves and another pays — the page offers only what the
current user may do, and the server refuses the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from backend.db.engine import Database
from tests.admin_web.conftest import World, log_in, message, panel_client
from tests.admin_web.wallet_support import (
    audit_rows,
    balance,
    financier,
    funded,
    journal_entries,
    nonces,
    notices,
    withdrawal,
)


@pytest.fixture
async def treasurer(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "bendahara.jkt")
        yield client


@pytest.fixture
async def manager(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """manager.jkt: the checker of large cash-outs in JKT01."""
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "manager.jkt")
        yield client


def forms_on(page: httpx.Response) -> set[str]:
    """The decision forms a page offers (by their action's last part)."""
    return {
        action.rsplit("/", 1)[1]
        for action in __import__("re").findall(r'action="(/withdrawals/\d+/[a-z]+)"', page.text)
    }


async def test_a_small_withdrawal_is_paid_by_the_treasurer_to_the_members_full_account(
    app: FastAPI, treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    await funded(db, siti, 2_000_000, reference="FUND-1")
    request = await withdrawal(db, siti, 500_000)
    listed = await treasurer.get("/withdrawals")
    assert request.reference in listed.text and "Rp 500.000" in listed.text
    page = await treasurer.get(f"/withdrawals/{request.id}")
    assert "002101234567" in page.text  # the account in full: the treasurer transfers to it
    assert forms_on(page) == {"paid", "reject"}
    paid_nonce = nonces(page)[0]
    response = await treasurer.post(
        f"/withdrawals/{request.id}/paid", data={"nonce": paid_nonce, "bank_reference": "out-77"}
    )
    assert response.status_code == 303
    shown = await treasurer.get(response.headers["location"])
    assert message(app, "admin.flash.withdrawal_paid") in shown.text
    assert message(app, "admin.withdrawal.status.paid") in shown.text
    assert "OUT-77" in shown.text and forms_on(shown) == set()
    assert await balance(db, siti) == (1_500_000, 0)
    assert await journal_entries(db, "withdrawal") == 1
    assert await notices(db, "wallet.notice.withdrawal_paid") == 1
    assert await audit_rows(db, "withdrawal.paid") == 1
    again = await treasurer.post(
        f"/withdrawals/{request.id}/paid", data={"nonce": paid_nonce, "bank_reference": "out-77"}
    )
    assert again.status_code == 303  # a replay: the same success, nothing more
    assert await journal_entries(db, "withdrawal") == 1


async def test_above_the_threshold_one_user_approves_and_another_pays(
    app: FastAPI, treasurer: httpx.AsyncClient, manager: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    await funded(db, siti, 20_000_000, reference="FUND-BIG")
    request = await withdrawal(db, siti, 15_000_000)
    assert request.needs_checker

    page = await treasurer.get(f"/withdrawals/{request.id}")
    assert forms_on(page) == {"approve", "reject"}
    assert message(app, "admin.withdrawals.needs_approval_note") in page.text
    early = await treasurer.post(
        f"/withdrawals/{request.id}/paid", data={"nonce": "early", "bank_reference": "BIG-1"}
    )
    assert early.status_code == 422
    assert message(app, "error.wallet.needs_approval") in early.text

    approved = await treasurer.post(
        f"/withdrawals/{request.id}/approve", data={"nonce": nonces(page)[0]}
    )
    assert approved.status_code == 303
    page = await treasurer.get(f"/withdrawals/{request.id}")
    assert message(app, "admin.flash.withdrawal_approved") in page.text
    assert "bendahara.jkt" in page.text
    assert forms_on(page) == {"reject"}  # the approver may not also pay
    assert message(app, "admin.withdrawals.you_approved_note") in page.text
    same = await treasurer.post(
        f"/withdrawals/{request.id}/paid", data={"nonce": "sneaky", "bank_reference": "BIG-1"}
    )
    assert same.status_code == 403
    assert message(app, "error.wallet.same_staff") in same.text
    assert await journal_entries(db, "withdrawal") == 0

    checker_page = await manager.get(f"/withdrawals/{request.id}")
    assert forms_on(checker_page) == {"paid", "reject"}
    assert "bendahara.jkt" in checker_page.text  # who approved
    paid = await manager.post(
        f"/withdrawals/{request.id}/paid",
        data={"nonce": nonces(checker_page)[0], "bank_reference": "BIG-1"},
    )
    assert paid.status_code == 303
    detail = (await manager.get(f"/api/v1/withdrawals/{request.id}")).json()
    assert detail["status"] == "paid"
    assert (detail["approved_by"], detail["decided_by"]) == ("bendahara.jkt", "manager.jkt")
    assert await balance(db, siti) == (5_000_000, 0)
    assert await audit_rows(db, "withdrawal.approved") == 1
    assert await audit_rows(db, "withdrawal.paid") == 1
    late = await treasurer.post(
        f"/withdrawals/{request.id}/reject", data={"nonce": "late", "reason": "Terlambat"}
    )
    assert late.status_code == 409
    status = app.state.translations.get("id")("admin.withdrawal.status.paid")
    assert (
        message(
            app,
            "error.wallet.already_decided",
            reference=request.reference,
            status=status,
            decided_by="manager.jkt",
        )
        in late.text
    )


async def test_the_api_enforces_maker_checker_too(
    treasurer: httpx.AsyncClient, manager: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    await funded(db, siti, 20_000_000, reference="FUND-API")
    request = await withdrawal(db, siti, 12_000_000)
    url = f"/api/v1/withdrawals/{request.id}"
    assert (await treasurer.get("/api/v1/withdrawals")).json()["total"] == 1
    unapproved = await treasurer.post(f"{url}/paid", json={"bank_reference": "A1", "nonce": "1"})
    assert unapproved.status_code == 422
    assert unapproved.json()["error"]["code"] == "error.wallet.needs_approval"
    approved = await manager.post(f"{url}/approve", json={"nonce": "2"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert (await manager.post(f"{url}/approve", json={"nonce": "2"})).json()["replayed"]
    same = await manager.post(f"{url}/paid", json={"bank_reference": "A1", "nonce": "3"})
    assert same.status_code == 403
    assert same.json()["error"]["code"] == "error.wallet.same_staff"
    paid = await treasurer.post(f"{url}/paid", json={"bank_reference": "A1", "nonce": "4"})
    assert paid.status_code == 200
    assert paid.json()["bank_account_number"] == "002101234567"
    assert await journal_entries(db, "withdrawal") == 1


async def test_rejecting_releases_the_hold_and_needs_a_reason(
    app: FastAPI, treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    await funded(db, siti, 1_000_000, reference="FUND-R")
    request = await withdrawal(db, siti, 300_000)
    assert await balance(db, siti) == (1_000_000, 300_000)
    page = await treasurer.get(f"/withdrawals/{request.id}")
    reject_nonce = nonces(page)[-1]
    empty = await treasurer.post(
        f"/withdrawals/{request.id}/reject", data={"nonce": reject_nonce, "reason": ""}
    )
    assert empty.status_code == 422
    assert message(app, "error.reason_required") in empty.text
    assert await balance(db, siti) == (1_000_000, 300_000)
    done = await treasurer.post(
        f"/withdrawals/{request.id}/reject",
        data={"nonce": reject_nonce, "reason": "Nama rekening beda"},
    )
    assert done.status_code == 303
    assert await balance(db, siti) == (1_000_000, 0)
    assert await notices(db, "wallet.notice.withdrawal_rejected") == 1
    empty_reference = await treasurer.post(
        f"/withdrawals/{request.id}/paid", data={"nonce": "x", "bank_reference": " "}
    )
    assert empty_reference.status_code == 422  # checked before the (decided) status


async def test_the_approved_queue_is_pointed_out_and_other_branches_stay_hidden(
    app: FastAPI,
    treasurer: httpx.AsyncClient,
    manager: httpx.AsyncClient,
    world: World,
    seeded_db: Database,
) -> None:
    db = seeded_db
    siti = await financier(db)
    dewi = await financier(db, 2, branch="BDG01")
    await funded(db, siti, 30_000_000, reference="FUND-Q1")
    await funded(db, dewi, 1_000_000, reference="FUND-Q2")
    big = await withdrawal(db, siti, 11_000_000)
    theirs = await withdrawal(db, dewi, 100_000)
    await manager.post(f"/api/v1/withdrawals/{big.id}/approve", json={"nonce": "q"})
    listed = await treasurer.get("/withdrawals")
    assert message(app, "admin.withdrawals.approved_waiting", count=1) in listed.text
    assert big.reference not in listed.text  # the default list: pending
    approved = await treasurer.get("/withdrawals", params={"status": "approved"})
    assert big.reference in approved.text
    everything = await treasurer.get("/withdrawals", params={"status": "all"})
    assert theirs.reference not in everything.text
    for path in (f"/withdrawals/{theirs.id}", f"/api/v1/withdrawals/{theirs.id}"):
        assert (await treasurer.get(path)).status_code == 404
    refused = await treasurer.post(
        f"/withdrawals/{theirs.id}/paid", data={"nonce": "n", "bank_reference": "B-1"}
    )
    assert refused.status_code == 404
    assert await journal_entries(db, "withdrawal") == 0
