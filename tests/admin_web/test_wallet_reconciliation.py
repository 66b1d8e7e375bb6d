"""The reconciliation page: cash-in, cash-out and wallet balances per branch and overall
after real decisions, the ledger's invariant report, and a warning when the periodic
check has stopped running."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from admin_web.app import create_app
from backend.db.engine import Database
from backend.services.wallet_settings import run_and_record_check
from tests.admin_web.conftest import NOW, Clock, World, log_in, message, panel_client, settings_for
from tests.admin_web.wallet_support import deposit, financier, funded, nonces, withdrawal


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "superadmin")
        yield client


@pytest.fixture
async def treasurer(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "bendahara.jkt")
        yield client


def row(report: dict[str, object], branch_id: int) -> dict[str, int]:
    rows = report["branches"]
    assert isinstance(rows, list)
    found: dict[str, int] = next(r for r in rows if r["branch_id"] == branch_id)
    return found


async def test_the_numbers_follow_a_deposit_and_a_withdrawal(
    app: FastAPI,
    admin: httpx.AsyncClient,
    treasurer: httpx.AsyncClient,
    world: World,
    seeded_db: Database,
) -> None:
    db = seeded_db
    siti = await financier(db)
    request = await deposit(db, siti, 1_500_000)
    page = await treasurer.get(f"/deposits/{request.id}")
    confirmed = await treasurer.post(
        f"/deposits/{request.id}/confirm",
        data={
            "nonce": nonces(page)[0],
            "received_amount": str(request.transfer_amount),
            "bank_reference": "REC-IN-1",
        },
    )
    assert confirmed.status_code == 303
    paid = await withdrawal(db, siti, 500_000, key="paid")
    page = await treasurer.get(f"/withdrawals/{paid.id}")
    done = await treasurer.post(
        f"/withdrawals/{paid.id}/paid",
        data={"nonce": nonces(page)[0], "bank_reference": "REC-OUT-1"},
    )
    assert done.status_code == 303
    await withdrawal(db, siti, 200_000, key="pending")
    await funded(db, await financier(db, 2, branch="BDG01"), 1_000_000, reference="REC-BDG")

    report = (await admin.get("/api/v1/reconciliation")).json()
    jakarta = row(report, world.jakarta_branch)
    assert jakarta == {
        "branch_id": world.jakarta_branch,
        "branch_name": "Cabang Jakarta Selatan",
        "confirmed_cash_in": request.transfer_amount,
        "confirmed_count": 1,
        "paid_cash_out": 500_000,
        "paid_count": 1,
        "pending_cash_out": 200_000,
        "wallet_balances": request.transfer_amount - 500_000,
        "wallet_held": 200_000,
        "other_movements": 0,
    }
    bandung = row(report, world.bandung_branch)
    assert (bandung["confirmed_cash_in"], bandung["wallet_balances"]) == (1_000_000, 1_000_000)
    total = report["total"]
    assert total["branch_id"] is None
    assert total["confirmed_cash_in"] == request.transfer_amount + 1_000_000
    assert total["paid_cash_out"] == 500_000 and total["pending_cash_out"] == 200_000
    assert total["wallet_balances"] == request.transfer_amount - 500_000 + 1_000_000
    assert report["ledger"]["ok"] is True and report["ledger"]["violations"] == []
    assert report["ledger"]["entries"] == 3

    page = await admin.get("/reconciliation")
    assert page.status_code == 200
    in_jakarta = f"{request.transfer_amount - 500_000:,}".replace(",", ".")
    assert f"Rp {in_jakarta}" in page.text and "Rp 200.000" in page.text
    assert message(app, "admin.reconciliation.overall") in page.text
    assert message(app, "admin.reconciliation.ok") in page.text

    # The branch's treasurer sees their branch, and whether the ledger holds — no more.
    scoped = (await treasurer.get("/api/v1/reconciliation")).json()
    assert [r["branch_id"] for r in scoped["branches"]] == [world.jakarta_branch]
    assert scoped["total"]["confirmed_cash_in"] == request.transfer_amount
    assert scoped["ledger"]["ok"] is True and scoped["ledger"]["violations"] is None
    assert scoped["ledger"]["entries"] is None
    scoped_page = await treasurer.get("/reconciliation")
    assert "Cabang Bandung Kota" not in scoped_page.text
    assert message(app, "admin.reconciliation.overall") not in scoped_page.text


async def test_a_periodic_check_missing_for_two_intervals_is_pointed_out(
    app: FastAPI, admin: httpx.AsyncClient, clock: Clock, seeded_db: Database
) -> None:
    stale_text = message(app, "admin.reconciliation.check_stale", minutes=10)
    page = await admin.get("/reconciliation")
    assert stale_text in page.text  # never ran
    assert message(app, "admin.reconciliation.never_run") in page.text
    assert (await admin.get("/api/v1/reconciliation")).json()["check_stale"] is True

    await run_and_record_check(seeded_db, now=NOW)
    page = await admin.get("/reconciliation")
    assert stale_text not in page.text
    report = (await admin.get("/api/v1/reconciliation")).json()
    assert report["check_stale"] is False and report["check_interval_seconds"] == 600
    assert report["last_check"]["ok"] is True

    clock.advance(minutes=21)  # two intervals of 10 minutes without a run
    assert stale_text in (await admin.get("/reconciliation")).text
    assert (await admin.get("/api/v1/reconciliation")).json()["check_stale"] is True


async def test_a_switched_off_periodic_check_is_said_so(
    seeded_db: Database, database_url: str, clock: Clock, world: World
) -> None:
    settings = settings_for(database_url).model_copy(update={"ledger_check_interval_seconds": 0})
    app = create_app(settings, seeded_db, clock=clock)
    async with panel_client(app) as admin:
        await log_in(admin, "superadmin")
        page = await admin.get("/reconciliation")
        assert message(app, "admin.reconciliation.check_off") in page.text
        report = (await admin.get("/api/v1/reconciliation")).json()
        assert report["check_interval_seconds"] is None and report["check_stale"] is False
