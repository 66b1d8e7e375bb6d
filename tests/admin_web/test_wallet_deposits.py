"""Treasurers work on cash-in requests in the panel: find them, confirm with the amount
received and the bank reference (credited exactly once, however often the form is sent,
whoever else presses at the same time), or reject with a reason; bad input changes
nothing and says why."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from backend.db.engine import Database
from backend.domain.wallet import DepositStatus
from backend.services import wallet
from tests.admin_web.conftest import NOW, World, log_in, message, panel_client
from tests.admin_web.wallet_support import (
    audit_rows,
    balance,
    deposit,
    financier,
    journal_entries,
    nonces,
    notices,
)


@pytest.fixture
async def treasurer(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """bendahara.jkt: deposits and withdrawals of JKT01 only."""
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "bendahara.jkt")
        yield client


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "superadmin")
        yield client


async def confirm_form(client: httpx.AsyncClient, deposit_id: int) -> dict[str, str]:
    """The confirmation form as the page renders it (with its own fresh nonce)."""
    page = await client.get(f"/deposits/{deposit_id}")
    assert page.status_code == 200
    return {"nonce": nonces(page)[0]}


async def test_the_list_shows_pending_work_of_the_users_branch_with_filters(
    app: FastAPI,
    treasurer: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    world: World,
    seeded_db: Database,
) -> None:
    db = seeded_db
    siti = await financier(db, 0, full_name="Siti Rahayu")
    budi = await financier(db, 1, full_name="Budi Santoso")
    dewi = await financier(db, 2, branch="BDG01", full_name="Dewi Bandung")
    small = await deposit(db, siti, 500_000)
    large = await deposit(db, budi, 5_000_000)
    other = await deposit(db, dewi, 1_000_000)
    await wallet.cancel_deposit(
        db,
        member_id=siti.id,
        deposit_id=(await deposit(db, siti, 200_000, key="cancelled")).id,
        now=NOW,
    )

    page = await treasurer.get("/deposits")
    assert page.status_code == 200
    assert small.reference in page.text and large.reference in page.text
    assert other.reference not in page.text  # another branch
    assert message(app, "admin.common.found", count=2) in page.text  # pending only
    assert "Rp 5.000." in page.text  # money through the i18n helper
    everything = await treasurer.get("/deposits", params={"status": "all"})
    assert message(app, "admin.common.found", count=3) in everything.text

    async def found(client: httpx.AsyncClient, **params: object) -> set[str]:
        answer = await client.get("/api/v1/deposits", params=params)  # type: ignore[arg-type]
        assert answer.status_code == 200, answer.text
        return {d["reference"] for d in answer.json()["deposits"]}

    assert await found(treasurer, status="pending") == {small.reference, large.reference}
    assert await found(treasurer, q="budi") == {large.reference}
    assert await found(treasurer, q=small.reference.lower()) == {small.reference}
    assert await found(treasurer, amount_min=1_000_000, status="pending") == {large.reference}
    assert await found(treasurer, branch_id=world.bandung_branch) == set()
    assert await found(admin, branch_id=world.bandung_branch) == {other.reference}
    assert await found(admin, date_from="2026-11-26") == set()
    assert await found(admin, date_from="2026-11-25", date_to="2026-11-25", status="pending") == {
        small.reference,
        large.reference,
        other.reference,
    }
    # The page reads amounts as people type them.
    typed = await treasurer.get("/deposits", params={"amount_max": "Rp 1.000.000"})
    assert small.reference in typed.text and large.reference not in typed.text
    filtered = await admin.get("/deposits", params={"branch_id": world.bandung_branch})
    assert other.reference in filtered.text and small.reference not in filtered.text


async def test_confirming_credits_the_member_once_audits_and_notifies(
    app: FastAPI, treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    request = await deposit(db, siti, 1_500_000)
    page = await treasurer.get(f"/deposits/{request.id}")
    typed = f"{request.transfer_amount:,}".replace(",", ".")
    assert f'value="{typed}"' in page.text  # prefilled with the amount incl. the unique code
    assert message(app, "admin.deposits.no_proof") in page.text

    form = {"nonce": nonces(page)[0], "received_amount": typed, "bank_reference": "trx 881"}
    response = await treasurer.post(f"/deposits/{request.id}/confirm", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/deposits/{request.id}"
    shown = await treasurer.get(response.headers["location"])
    assert message(app, "admin.flash.deposit_confirmed") in shown.text
    assert message(app, "admin.deposit.status.confirmed") in shown.text
    assert "TRX881" in shown.text and 'action="/deposits/' not in shown.text  # no more forms

    assert await balance(db, siti) == (request.transfer_amount, 0)
    assert await journal_entries(db, "deposit") == 1
    assert await audit_rows(db, "deposit.confirmed") == 1
    assert await notices(db, "wallet.notice.deposit_confirmed") == 1
    detail = (await treasurer.get(f"/api/v1/deposits/{request.id}")).json()
    assert detail["status"] == "confirmed" and detail["decided_by"] == "bendahara.jkt"
    assert detail["received_amount"] == request.transfer_amount

    # The same form again (a reload, a second click): the same success, nothing more.
    again = await treasurer.post(f"/deposits/{request.id}/confirm", data=form)
    assert again.status_code == 303
    assert await journal_entries(db, "deposit") == 1
    assert await notices(db, "wallet.notice.deposit_confirmed") == 1


async def test_the_same_form_posted_five_times_at_once_is_one_credit(
    treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    request = await deposit(db, siti, 1_000_000)
    form = {
        **await confirm_form(treasurer, request.id),
        "received_amount": str(request.transfer_amount),
        "bank_reference": "BCA-555",
    }
    answers = await asyncio.gather(
        *(treasurer.post(f"/deposits/{request.id}/confirm", data=form) for _ in range(5))
    )
    assert [a.status_code for a in answers] == [303] * 5
    assert {a.headers["location"] for a in answers} == {f"/deposits/{request.id}"}
    assert await journal_entries(db, "deposit") == 1
    assert await audit_rows(db, "deposit.confirmed") == 1
    assert await notices(db, "wallet.notice.deposit_confirmed") == 1
    assert await balance(db, siti) == (request.transfer_amount, 0)


async def test_two_treasurers_at_once_credit_once_and_one_is_told_who_was_first(
    app: FastAPI, treasurer: httpx.AsyncClient, admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    request = await deposit(db, siti, 2_000_000)
    amount = str(request.transfer_amount)
    forms = [
        {
            **await confirm_form(treasurer, request.id),
            "received_amount": amount,
            "bank_reference": "REF-A",
        },
        {
            **await confirm_form(admin, request.id),
            "received_amount": amount,
            "bank_reference": "REF-B",
        },
    ]
    first, second = await asyncio.gather(
        treasurer.post(f"/deposits/{request.id}/confirm", data=forms[0]),
        admin.post(f"/deposits/{request.id}/confirm", data=forms[1]),
    )
    assert sorted([first.status_code, second.status_code]) == [303, 409]
    refused, winner = (
        (first, "superadmin") if first.status_code == 409 else (second, "bendahara.jkt")
    )
    status = app.state.translations.get("id")("admin.deposit.status.confirmed")
    assert (
        message(
            app,
            "error.wallet.already_decided",
            reference=request.reference,
            status=status,
            decided_by=winner,
        )
        in refused.text
    )
    assert await journal_entries(db, "deposit") == 1
    assert await balance(db, siti) == (request.transfer_amount, 0)

    # Over the API the late decision is a 409 with the same explanation.
    late = await admin.post(
        f"/api/v1/deposits/{request.id}/reject",
        json={"reason": "Tidak ada transfer", "nonce": "api-late"},
    )
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "error.wallet.already_decided"
    assert winner in late.json()["error"]["message"]


@pytest.mark.parametrize(
    ("amount", "reference", "code"),
    [
        ("satu juta", "REF-1", "error.amount.format"),
        ("1.500.000,50", "REF-1", "error.amount.fraction"),
        ("0", "REF-1", "error.amount.not_positive"),
        ("1.500.000", "", "error.wallet.bank_reference"),
        ("1.500.000", "REF #1!", "error.wallet.bank_reference"),
    ],
)
async def test_bad_confirmation_input_is_refused_clearly_and_changes_nothing(
    app: FastAPI,
    treasurer: httpx.AsyncClient,
    seeded_db: Database,
    amount: str,
    reference: str,
    code: str,
) -> None:
    db = seeded_db
    request = await deposit(db, await financier(db))
    form = {
        **await confirm_form(treasurer, request.id),
        "received_amount": amount,
        "bank_reference": reference,
    }
    response = await treasurer.post(f"/deposits/{request.id}/confirm", data=form)
    assert response.status_code == 422
    text = app.state.translations.get("id")(code, max=64)
    assert text.split("{")[0].strip()[:30] in response.text.replace("&#39;", "'")
    assert f'value="{amount}"' in response.text  # the form keeps what was typed
    assert nonces(response) and nonces(response)[0] != form["nonce"]  # a fresh form
    assert await journal_entries(db, "deposit") == 0
    assert await audit_rows(db, "deposit.confirmed") == 0
    still = await treasurer.get(f"/api/v1/deposits/{request.id}")
    assert still.json()["status"] == "pending"


async def test_a_bank_reference_already_used_is_refused(
    app: FastAPI, treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    first, second = await deposit(db, siti, key="1"), await deposit(db, siti, key="2")
    for request, expected in ((first, 303), (second, 409)):
        form = {
            **await confirm_form(treasurer, request.id),
            "received_amount": str(request.transfer_amount),
            "bank_reference": "DUP-1",
        }
        response = await treasurer.post(f"/deposits/{request.id}/confirm", data=form)
        assert response.status_code == expected
    assert message(app, "error.wallet.duplicate_bank_reference", bank_reference="DUP-1") in (
        response.text
    )
    assert await journal_entries(db, "deposit") == 1
    assert (await treasurer.get(f"/api/v1/deposits/{second.id}")).json()["status"] == "pending"


async def test_rejecting_needs_a_reason_and_tells_the_member(
    app: FastAPI, treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    request = await deposit(db, await financier(db))
    page = await treasurer.get(f"/deposits/{request.id}")
    reject_nonce = nonces(page)[1]
    empty = await treasurer.post(
        f"/deposits/{request.id}/reject", data={"nonce": reject_nonce, "reason": "   "}
    )
    assert empty.status_code == 422
    assert message(app, "error.reason_required") in empty.text
    assert await audit_rows(db, "deposit.rejected") == 0

    done = await treasurer.post(
        f"/deposits/{request.id}/reject",
        data={"nonce": reject_nonce, "reason": "Transfer tidak masuk"},
    )
    assert done.status_code == 303
    page = await treasurer.get(done.headers["location"])
    assert message(app, "admin.flash.deposit_rejected") in page.text
    assert "Transfer tidak masuk" in page.text
    assert await notices(db, "wallet.notice.deposit_rejected") == 1
    assert await journal_entries(db, "deposit") == 0


async def test_a_form_without_its_nonce_is_refused(
    treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    request = await deposit(db, await financier(db))
    response = await treasurer.post(
        f"/deposits/{request.id}/confirm", data={"received_amount": "1", "bank_reference": "X"}
    )
    assert response.status_code == 422
    assert await journal_entries(db, "deposit") == 0


async def test_the_api_confirms_once_per_nonce_and_documents_itself(
    app: FastAPI, treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    request = await deposit(db, siti, 3_000_000)
    body = {
        "received_amount": request.transfer_amount,
        "bank_reference": "api-1",
        "nonce": "client-key-1",
    }
    first = await treasurer.post(f"/api/v1/deposits/{request.id}/confirm", json=body)
    again = await treasurer.post(f"/api/v1/deposits/{request.id}/confirm", json=body)
    assert first.status_code == again.status_code == 200
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert first.json()["entry_id"] == again.json()["entry_id"]
    assert first.json()["bank_reference"] == "API-1"
    assert await journal_entries(db, "deposit") == 1
    text_amount = await treasurer.post(
        f"/api/v1/deposits/{request.id}/confirm", json={**body, "received_amount": "banyak"}
    )
    assert text_amount.status_code == 422
    assert (await treasurer.get("/api/v1/deposits/999999")).status_code == 404
    schema = app.openapi()
    for path in (
        "/api/v1/deposits",
        "/api/v1/deposits/{deposit_id}",
        "/api/v1/deposits/{deposit_id}/confirm",
        "/api/v1/deposits/{deposit_id}/reject",
    ):
        assert path in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/deposits/{deposit_id}/confirm"]["post"]["responses"]


async def test_another_branchs_deposit_is_like_a_missing_one(
    treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    other = await deposit(db, await financier(db, 3, branch="BDG01"))
    missing = await treasurer.get("/api/v1/deposits/999999")
    for path in (
        f"/api/v1/deposits/{other.id}",
        f"/deposits/{other.id}",
        f"/deposits/{other.id}/proof",
    ):
        assert (await treasurer.get(path)).status_code == 404
    assert (await treasurer.get(f"/api/v1/deposits/{other.id}")).json() == missing.json()
    refused = await treasurer.post(
        f"/deposits/{other.id}/confirm",
        data={"nonce": "n", "received_amount": "1.000.000", "bank_reference": "X-1"},
    )
    assert refused.status_code == 404
    api = await treasurer.post(
        f"/api/v1/deposits/{other.id}/reject", json={"reason": "x", "nonce": "n"}
    )
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "error.wallet.request_not_found"
    assert await journal_entries(db, "deposit") == 0
    assert await audit_rows(db, "deposit.rejected") == 0


async def test_an_expired_request_can_still_be_confirmed(
    app: FastAPI, treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    request = await deposit(db, siti)
    await wallet.expire_deposits(db, now=NOW + dt.timedelta(hours=25))
    page = await treasurer.get(f"/deposits/{request.id}")
    assert message(app, "admin.deposits.expired_note") in page.text
    form = {
        "nonce": nonces(page)[0],
        "received_amount": str(request.transfer_amount),
        "bank_reference": "LATE-1",
    }
    assert (await treasurer.post(f"/deposits/{request.id}/confirm", data=form)).status_code == 303
    view = await wallet.get_deposit(db, member_id=siti.id, deposit_id=request.id)
    assert view.status is DepositStatus.CONFIRMED


async def test_long_lists_are_paged_and_pages_speak_english_on_request(
    app: FastAPI, treasurer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await financier(db)
    made = [await deposit(db, siti, 100_000 * (n % 5 + 1), key=f"p{n}") for n in range(27)]
    first = await treasurer.get("/deposits")
    assert message(app, "admin.common.found", count=27) in first.text
    assert message(app, "admin.pager.page_of", page=1, pages=2) in first.text
    assert made[0].reference in first.text  # pending work: oldest first
    second = await treasurer.get("/deposits", params={"page": 2})
    assert made[-1].reference in second.text and made[0].reference not in second.text
    api = (await treasurer.get("/api/v1/deposits", params={"page": 2})).json()
    assert (api["page"], api["page_count"], api["total"], len(api["deposits"])) == (2, 2, 27, 2)

    treasurer.cookies.set("lang", "en")
    page = await treasurer.get(f"/deposits/{made[0].id}")
    assert message(app, "admin.deposits.confirm", "en") in page.text
    assert message(app, "admin.deposit.status.pending", "en") in page.text
    assert "Rp 100." in page.text  # money the same way in both languages
