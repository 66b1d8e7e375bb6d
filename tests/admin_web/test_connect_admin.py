"""Social connect in the panel: the scoring weights as data master (audited, bad input
refused by name), a member's shared profile for staff with ``connect.profiles`` only
(branch-scoped, every reading audited), and a financier–borrower pair explained with
categories and points — never what the members shared."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from backend.db.engine import Database
from backend.db.migrate import upgrade_database
from backend.db.unit_of_work import UnitOfWork
from backend.domain.connect_score import Evidence
from backend.domain.permissions import Permission
from backend.services import connect_profiles, connect_scores
from tests.admin_web.conftest import World, message
from tests.admin_web.loan_support import logged_in
from tests.admin_web.wallet_support import audit_rows
from tests.connect_factories import NOW, consenting_member, lives_in, went_to, works_at
from tests.loan_factories import submit, verified_borrower

WEIGHTS = {category.value: str(points) for category, points in {
    Evidence.SAME_CURRENT_WORKPLACE: 9, Evidence.SAME_WORKPLACE: 4, Evidence.CLASSMATES: 6,
    Evidence.SAME_SCHOOL: 4, Evidence.SAME_KELURAHAN: 4, Evidence.SAME_KECAMATAN: 2,
    Evidence.SAME_CITY: 1, Evidence.SAME_HOMETOWN: 2, Evidence.SHARED_COMMUNITY: 3,
    Evidence.SHARED_EVENT: 1, Evidence.KNOW_EACH_OTHER: 9, Evidence.ONE_KNOWS_THE_OTHER: 5,
    Evidence.REFERRAL: 5, Evidence.REPAID_LOAN: 4, Evidence.SAME_BRANCH: 1,
}.items()} | {"threshold": "90"}  # fmt: skip


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with logged_in(app, "superadmin") as client:
        yield client


async def share_school_and_work(db: Database, member_id: int) -> None:
    """Consent, a school shared with the test financier, a workplace shared with no one."""
    await connect_profiles.give_consent(db, member_id=member_id, now=NOW)
    await went_to(db, member_id, "SMAN 3 Bandung", 2008)
    await works_at(db, member_id, "Pertamina Hulu Rokan")


# ------------------------------------------------------------------------------ weights


async def test_changing_the_weights_is_shown_audited_and_changes_scores(
    app: FastAPI, admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    page = await admin.get("/connect/weights")
    assert page.status_code == 200
    assert message(app, "admin.connect.weights.formula", max=9) in page.text
    assert message(app, "admin.connect.evidence.same_workplace") in page.text
    assert (
        'name="same_workplace" value="4"' in page.text
        and 'name="threshold" value="90"' in page.text
    )
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    financier = await consenting_member(seeded_db, 2)
    await works_at(seeded_db, borrower.id, "Pertamina", current=False)
    await works_at(seeded_db, financier.id, "Pertamina", current=False)

    forged = await admin.post(
        "/connect/weights",
        data={**WEIGHTS, "same_workplace": "6"},
        headers={"X-CSRF-Token": "not-the-token"},
    )
    assert forged.status_code == 403
    saved = await admin.post("/connect/weights", data={**WEIGHTS, "same_workplace": "6"})
    assert saved.status_code == 303
    page = await admin.get(saved.headers["location"])
    assert message(app, "admin.flash.saved") in page.text
    assert 'name="same_workplace" value="6"' in page.text
    assert "<td>4</td>" in page.text  # the default stays shown next to it
    scores = await connect_scores.score_borrowers(
        seeded_db, financier_id=financier.id, borrower_ids=[borrower.id]
    )
    assert scores[borrower.id].value == 6
    audit = (await admin.get("/api/v1/audit", params={"action": "connect.settings"})).json()
    assert audit["total"] == 1
    entry = audit["entries"][0]
    assert (entry["before"], entry["after"]) == ({"same_workplace": 4}, {"same_workplace": 6})
    assert entry["actor_label"] == "superadmin"
    again = await admin.post("/connect/weights", data={**WEIGHTS, "same_workplace": "6"})
    assert again.status_code == 303
    assert await audit_rows(seeded_db, "connect.settings_changed") == 1  # nothing changed


@pytest.mark.parametrize(
    ("change", "code", "params"),
    [
        (
            {"same_workplace": "10"},
            "error.connect.settings.weight",
            {"category": "Pernah bekerja di tempat yang sama", "max": 9},
        ),
        (
            {"shared_event": "satu"},
            "error.connect.settings.weight",
            {"category": "Acara koperasi yang sama", "max": 9},
        ),
        (
            {"same_kecamatan": "5"},
            "error.connect.settings.order",
            {"category": "Kecamatan yang sama", "stronger": "Kelurahan/desa yang sama"},
        ),
        ({"threshold": "40"}, "error.connect.settings.threshold", {}),
        ({"threshold": ""}, "error.connect.settings.threshold", {}),
    ],
)
async def test_wrong_weights_are_refused_by_name_and_change_nothing(
    app: FastAPI,
    admin: httpx.AsyncClient,
    seeded_db: Database,
    change: dict[str, str],
    code: str,
    params: dict[str, object],
) -> None:
    response = await admin.post("/connect/weights", data={**WEIGHTS, **change})
    assert response.status_code == 422
    assert message(app, code, **params) in response.text
    for name, value in change.items():
        assert f'name="{name}" value="{value}"' in response.text  # kept as typed
    assert await audit_rows(seeded_db, "connect.settings_changed") == 0
    current = (await admin.get("/api/v1/connect/weights")).json()
    assert current["weights"]["same_workplace"] == 4 and current["threshold"] == 90


async def test_the_api_reads_and_replaces_the_weights(admin: httpx.AsyncClient) -> None:
    current = (await admin.get("/api/v1/connect/weights")).json()
    assert current["weights"] == current["default_weights"]
    assert current["default_threshold"] == 90
    refused = await admin.put(
        "/api/v1/connect/weights",
        json={"weights": {**current["weights"], "same_city": 3}, "threshold": 90},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == (
        "Bobot Kota/kabupaten yang sama tidak boleh lebih besar dari Kecamatan yang sama."
    )
    saved = await admin.put(
        "/api/v1/connect/weights",
        json={"weights": {"same_branch": 0}, "threshold": 85},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["weights"]["same_branch"] == 0 and saved.json()["threshold"] == 85
    assert saved.json()["weights"]["classmates"] == 6  # left out: its default


async def test_only_the_loan_data_master_edits_the_weights(app: FastAPI) -> None:
    for username in ("manager.jkt", "kredit.jkt", "auditor"):
        async with logged_in(app, username) as client:
            assert (await client.get("/connect/weights")).status_code == 403
            assert (await client.put("/api/v1/connect/weights", json={})).status_code == 403
            home = await client.get("/")
            assert 'href="/connect/weights"' not in home.text


# ----------------------------------------------------------------------- shared profiles


async def test_a_superadmin_opens_a_shared_profile_and_the_reading_is_audited(
    app: FastAPI, admin: httpx.AsyncClient, world: World, seeded_db: Database
) -> None:
    member = world.jakarta_member
    await share_school_and_work(seeded_db, member)
    await connect_profiles.add_contact(seeded_db, member_id=member, phone="081299990001", now=NOW)
    await lives_in(
        seeded_db, member, kelurahan="Cihapit", kecamatan="Bandung Wetan", city="Kota Bandung"
    )

    detail = await admin.get(f"/members/{member}")
    assert f'href="/members/{member}/connect"' in detail.text
    assert await audit_rows(seeded_db, "connect.profile_viewed") == 0  # a link reads nothing
    page = await admin.get(f"/members/{member}/connect")
    assert page.status_code == 200
    assert "SMAN 3 Bandung" in page.text and "Pertamina Hulu Rokan" in page.text
    assert "<td>2008</td>" in page.text and "<td>saat ini</td>" in page.text
    assert "<td>Cihapit</td>" in page.text and "<td>Kelurahan/desa · Kota Bandung</td>" in page.text
    assert message(app, "admin.connect.profile.contact_count", count=1) in page.text
    assert "081299990001" not in page.text and "6281299990001" not in page.text
    assert message(app, "admin.connect.profile.privacy") in page.text

    shared = (await admin.get(f"/api/v1/members/{member}/connect-profile")).json()
    assert shared["consented"] is True and shared["contact_count"] == 1
    assert {e["name"] for e in shared["entries"]} >= {"Pertamina Hulu Rokan", "SMAN 3 Bandung"}
    assert len(shared["entries"]) == 5
    audit = (await admin.get("/api/v1/audit", params={"action": "connect.profile_viewed"})).json()
    assert audit["total"] == 2
    entry = audit["entries"][0]
    assert (entry["actor_label"], entry["object_id"]) == ("superadmin", str(member))
    assert entry["after"] == {"consented": True, "entries": 5, "contacts": 1}  # counts only

    await connect_profiles.withdraw_consent(seeded_db, member_id=member, now=NOW)
    page = await admin.get(f"/members/{member}/connect")
    assert message(app, "admin.connect.profile.not_consented") in page.text
    assert message(app, "admin.connect.profile.nothing_shared") in page.text
    assert "SMAN 3 Bandung" not in page.text


@pytest.mark.parametrize("username", ["kredit.jkt", "auditor", "manager.jkt"])
async def test_staff_without_the_permission_neither_see_nor_open_shared_profiles(
    app: FastAPI, world: World, seeded_db: Database, username: str
) -> None:
    member = world.jakarta_member
    await share_school_and_work(seeded_db, member)
    financier = await consenting_member(seeded_db, 2)
    async with logged_in(app, username) as client:
        detail = await client.get(f"/members/{member}")
        assert detail.status_code == 200  # they may read the member…
        assert f"/members/{member}/connect" not in detail.text  # …but get no link
        assert "SMAN 3 Bandung" not in detail.text
        assert 'href="/connect/pair"' not in detail.text  # nor the menu entry
        for url in (
            f"/members/{member}/connect",
            f"/api/v1/members/{member}/connect-profile",
            f"/connect/pair?financier_id={financier.id}&borrower_id={member}",
            f"/api/v1/connect/pair?financier_id={financier.id}&borrower_id={member}",
        ):
            response = await client.get(url)
            assert response.status_code == 403, url
            assert "SMAN 3 Bandung" not in response.text
    assert await audit_rows(seeded_db, "connect.profile_viewed") == 0


# -------------------------------------------------------------------- pair explanation


async def test_a_pair_is_explained_by_categories_never_by_what_was_shared(
    app: FastAPI, admin: httpx.AsyncClient, world: World, seeded_db: Database
) -> None:
    borrower = world.jakarta_member
    await share_school_and_work(seeded_db, borrower)
    financier = await consenting_member(seeded_db, 2)
    await went_to(seeded_db, financier.id, "SMA Negeri 3 Bandung", 2008)

    page = await admin.get(
        "/connect/pair", params={"financier_id": financier.id, "borrower_id": borrower}
    )
    assert page.status_code == 200
    assert message(app, "admin.connect.pair.score", score=7, max=9) in page.text
    assert f"<td>{message(app, 'admin.connect.evidence.classmates')}</td><td>6</td>" in page.text
    assert f"<td>{message(app, 'admin.connect.evidence.same_branch')}</td><td>1</td>" in page.text
    assert page.text.count(message(app, "admin.connect.pair.consented")) == 2
    assert "<dd>90</dd>" in page.text  # the threshold
    for shared in ("SMAN 3 Bandung", "SMA Negeri 3 Bandung", "Pertamina", "2008"):
        assert shared not in page.text
    assert await audit_rows(seeded_db, "connect.profile_viewed") == 0  # no profile read

    explained = (
        await admin.get(
            "/api/v1/connect/pair", params={"financier_id": financier.id, "borrower_id": borrower}
        )
    ).json()
    assert explained["score"] == 7 and explained["threshold"] == 90
    assert explained["reasons"] == [
        {"category": "classmates", "points": 6},
        {"category": "same_branch", "points": 1},
    ]
    assert (explained["financier"]["consented"], explained["borrower"]["consented"]) == (True, True)
    assert "Bandung" not in str(explained) and "Pertamina" not in str(explained)

    await connect_profiles.withdraw_consent(seeded_db, member_id=financier.id, now=NOW)
    page = await admin.get(
        "/connect/pair", params={"financier_id": financier.id, "borrower_id": borrower}
    )
    assert message(app, "admin.connect.pair.score", score=1, max=9) in page.text
    assert message(app, "admin.connect.pair.not_consented") in page.text


async def test_a_pair_can_be_picked_from_a_loan(
    app: FastAPI, admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    borrower = await verified_borrower(seeded_db)
    await share_school_and_work(seeded_db, borrower.id)
    loan = (await submit(seeded_db, borrower.id, "connect-pair")).loan
    financier = await consenting_member(seeded_db, 2, branch_code="BDG01")
    await works_at(seeded_db, financier.id, "PT Pertamina Hulu Rokan")

    page = await admin.get(
        "/connect/pair", params={"financier_id": financier.id, "loan": loan.reference.lower()}
    )
    assert page.status_code == 200
    assert message(app, "admin.connect.pair.score", score=9, max=9) in page.text
    assert message(app, "admin.connect.evidence.same_current_workplace") in page.text
    assert loan.reference in page.text and borrower.full_name in page.text
    assert "Pertamina" not in page.text

    for params, status, code in (
        ({"financier_id": financier.id}, 422, "error.connect.pair.incomplete"),
        (
            {"financier_id": financier.id, "borrower_id": borrower.id, "loan": loan.reference},
            422,
            "error.connect.pair.incomplete",
        ),
        (
            {"financier_id": borrower.id, "loan": loan.reference},
            422,
            "error.connect.pair.same_member",
        ),
        ({"financier_id": financier.id, "loan": "LN-NOSUCH00"}, 404, "error.loan.not_found"),
        ({"financier_id": 999_999, "borrower_id": borrower.id}, 404, "error.member_not_found"),
    ):
        refused = await admin.get("/connect/pair", params=params)
        assert refused.status_code == status, params
        assert message(app, code) in refused.text
        api = await admin.get("/api/v1/connect/pair", params=params)
        assert (api.status_code, api.json()["error"]["code"]) == (status, code)


# ------------------------------------------------------------------------ branch scoping


async def test_a_branch_manager_given_the_permission_sees_only_their_branch(
    app: FastAPI, admin: httpx.AsyncClient, world: World, seeded_db: Database
) -> None:
    roles = (await admin.get("/api/v1/roles")).json()
    manager_role = next(r for r in roles if r["code"] == "branch_manager")
    granted = await admin.put(
        f"/api/v1/roles/{manager_role['id']}",
        json={
            "name_id": manager_role["name_id"],
            "name_en": manager_role["name_en"],
            "permissions": [*manager_role["permissions"], Permission.CONNECT_PROFILES.value],
        },
    )
    assert granted.status_code == 200, granted.text
    await share_school_and_work(seeded_db, world.jakarta_member)
    await share_school_and_work(seeded_db, world.bandung_member)
    bandung_borrower = await verified_borrower(seeded_db, "budi", branch_code="BDG01")
    bandung_loan = (await submit(seeded_db, bandung_borrower.id, "connect-bdg")).loan
    financier = await consenting_member(seeded_db, 2)  # JKT01

    async with logged_in(app, "manager.jkt") as manager:
        detail = await manager.get(f"/members/{world.jakarta_member}")
        assert f'href="/members/{world.jakarta_member}/connect"' in detail.text
        assert 'href="/connect/pair"' in detail.text  # the menu entry
        own = await manager.get(f"/members/{world.jakarta_member}/connect")
        assert own.status_code == 200 and "SMAN 3 Bandung" in own.text
        for url in (
            f"/members/{world.bandung_member}/connect",
            f"/api/v1/members/{world.bandung_member}/connect-profile",
        ):
            other = await manager.get(url)
            assert other.status_code == 404 and "SMAN 3 Bandung" not in other.text
        pair = await manager.get(
            "/connect/pair",
            params={"financier_id": financier.id, "borrower_id": world.jakarta_member},
        )
        assert pair.status_code == 200
        for params in (
            {"financier_id": financier.id, "borrower_id": world.bandung_member},
            {"financier_id": world.bandung_member, "borrower_id": world.jakarta_member},
            {"financier_id": financier.id, "loan": bandung_loan.reference},
        ):
            assert (await manager.get("/connect/pair", params=params)).status_code == 404
            assert (await manager.get("/api/v1/connect/pair", params=params)).status_code == 404
    audit = (await admin.get("/api/v1/audit", params={"action": "connect.profile_viewed"})).json()
    assert [e["actor_label"] for e in audit["entries"]] == ["manager.jkt"]  # refusals read nothing


# ---------------------------------------------------------------------------- migration


async def test_the_migration_grants_the_permission_to_an_existing_superadmin(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    await upgrade_database(url, "0006")
    database = Database.from_url(url)
    try:
        async with UnitOfWork(database) as uow:
            await uow.session.execute(
                text(
                    "INSERT INTO staff_roles (id, code, name_id, name_en, active) VALUES "
                    "(1, 'superadmin', 'Superadmin', 'Superadmin', 1), "
                    "(2, 'auditor', 'Auditor', 'Auditor', 1)"
                )
            )
            await uow.commit()
        await upgrade_database(url)
        async with UnitOfWork(database, write=False) as uow:
            granted = (
                await uow.session.execute(
                    text(
                        "SELECT role_id FROM staff_role_permissions "
                        "WHERE permission = 'connect.profiles'"
                    )
                )
            ).all()
    finally:
        await database.dispose()
    assert [row.role_id for row in granted] == [1]
