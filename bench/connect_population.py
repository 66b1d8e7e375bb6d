"""Fill a migrated, demo-seeded database for the connect benchmark, fast but valid.

Borrowers, their loans (open for funding) and their social-connect profiles go in with bulk
Core inserts into the real tables, not through the services one by one (5,000 borrowers
would take minutes). Every value still passes the checks the services apply: NIKs are
parsed and agree with the birth date, phones are normalised, each loan's terms, schedule
and cost check come from the same domain code as ``loan_applications.submit_loan``, each
entry is validated by ``connect_profiles.validate_entry`` and stored with the keys of
``normalise_name``. A loan's history is the path the services take (submitted → under
review → open for funding, second approval above the threshold). Audit rows are left out:
nothing the benchmark reads depends on them.

The financier is the exception: their consent, entries and contacts go through
``connect_profiles``, as a member's own profile would.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from backend.db.engine import Database
from backend.db.models import Branch, Member, MemberRole, MemberStatusChange, TelegramUser
from backend.db.models_connect import ConnectConsent, ConnectContact, ConnectEntry
from backend.db.models_loans import Loan, LoanInstallment, LoanProduct, LoanStatusChange
from backend.db.unit_of_work import UnitOfWork
from backend.domain.connect_names import EntryKind, normalise_name
from backend.domain.loan_application import check_application
from backend.domain.loan_lifecycle import LoanStatus
from backend.domain.loans import LoanKind, percent_units
from backend.domain.member_rules import normalize_phone, validate_address, validate_full_name
from backend.domain.members import MemberStatus, Role
from backend.domain.nik import check_nik_matches_birth_date, nik_sex, parse_nik
from backend.services import connect_profiles
from backend.services.loan_records import cap_units, load_caps, load_rules, local_today
from backend.services.loan_views import installment_views, product_terms
from backend.services.members import REGISTRATION_ACTOR
from bench.connect_people import (
    CITIES,
    FINANCIER_CITY,
    FINANCIER_NAME,
    EntrySpec,
    PersonSpec,
    financier_entries,
    generate_people,
)

# Regency codes of the NIK (province + regency) for each city, as Dukcapil numbers them.
NIK_REGIONS: dict[str, str] = {
    "Jakarta Selatan": "3174",
    "Jakarta Timur": "3175",
    "Bandung": "3273",
    "Semarang": "3374",
    "Surabaya": "3578",
    "Yogyakarta": "3471",
    "Medan": "1275",
    "Makassar": "7371",
    "Denpasar": "5171",
}
FIRST_TELEGRAM_ID = 720_000_001
FINANCIER_TELEGRAM_ID = 720_999_999
FINANCIER_PHONE = "+6281100000001"
FINANCIER_NIK = "3273011505850001"  # man born 15 May 1985 in Kota Bandung
FINANCIER_BIRTH = dt.date(1985, 5, 15)
# Products as the demo seeds them, and how often borrowers pick each.
PRODUCT_WEIGHTS = {"MUM": 55, "DD": 30, "MUK": 15}
PRODUCTIVE_PURPOSES = (
    ("Tambah stok dagangan menjelang Lebaran", "Warung sembako"),
    ("Beli etalase dan freezer baru", "Warung makan"),
    ("Modal bahan baku kain", "Konveksi"),
    ("Beli mesin jahit kedua", "Penjahit"),
    ("Renovasi kios di pasar", "Pedagang pasar"),
    ("Beli gerobak dan peralatan", "Pedagang kaki lima"),
    ("Beli bibit dan pupuk musim tanam", "Pertanian"),
    ("Tambah peralatan bengkel", "Bengkel motor"),
)
CONSUMER_PURPOSES = (
    "Biaya sekolah anak",
    "Biaya berobat keluarga",
    "Perbaikan atap rumah",
    "Biaya persalinan",
)
OPENED_WITHIN_DAYS = 14


@dataclass(frozen=True, slots=True)
class Population:
    """What the benchmark needs to know about the filled database."""

    financier_id: int
    borrower_ids: tuple[int, ...]
    loans: int
    entries: int
    contacts: int
    consenting_borrowers: int
    financier_entries: int
    financier_contacts: int


def _nik(region: str, birth: dt.date, female: bool, serial: int) -> str:
    day = birth.day + (40 if female else 0)
    return f"{region}01{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def _member_row(
    person: PersonSpec, rng: random.Random, branch_ids: dict[str, int], now: dt.datetime
) -> dict[str, Any]:
    birth = dt.date(rng.randint(1965, 2003), rng.randint(1, 12), rng.randint(1, 28))
    nik = parse_nik(_nik(NIK_REGIONS[person.city], birth, rng.random() < 0.55, person.index + 1))
    check_nik_matches_birth_date(nik, birth)
    name = validate_full_name(person.full_name)
    return {
        "telegram_user_id": FIRST_TELEGRAM_ID + person.index,
        "full_name": name,
        "nik": nik.nik,
        "sex": nik_sex(nik),
        "birth_date": birth,
        "phone": borrower_phone(person.index),
        "branch_id": branch_ids[CITIES[person.city][0]],
        "address": validate_address(f"Jl. Merdeka No. {person.index % 200 + 1}, {person.city}"),
        "bank_name": "BRI",
        "bank_account_number": f"0021{person.index:08d}",
        "bank_account_holder": name,
        "status": MemberStatus.VERIFIED.value,
        "created_at": now - dt.timedelta(days=60),
        "updated_at": now - dt.timedelta(days=59),
    }


def borrower_phone(index: int) -> str:
    return normalize_phone(f"+62813{index:08d}")


def _outside_phone(rng: random.Random) -> str:
    """A number of someone who is not a member (the 0857 range is never given to one here)."""
    return normalize_phone(f"+62857{rng.randrange(10**8):08d}")


async def _insert_members(
    db: Database, rows: Sequence[dict[str, Any]], role: Role, now: dt.datetime
) -> list[int]:
    """Members with their Telegram user, role and registration + verification history."""
    async with UnitOfWork(db) as uow:
        await uow.session.execute(
            insert(TelegramUser), [{"id": row["telegram_user_id"]} for row in rows]
        )
        ids = list(
            (
                await uow.session.execute(
                    insert(Member).returning(Member.id, sort_by_parameter_order=True), rows
                )
            ).scalars()
        )
        await uow.session.execute(
            insert(MemberRole), [{"member_id": i, "role": role.value} for i in ids]
        )
        history = []
        for member_id, row in zip(ids, rows, strict=True):
            history += [
                {
                    "member_id": member_id,
                    "from_status": None,
                    "to_status": MemberStatus.AWAITING_VERIFICATION.value,
                    "reason": "registered in Telegram",
                    "actor": REGISTRATION_ACTOR,
                    "changed_at": row["created_at"],
                },
                {
                    "member_id": member_id,
                    "from_status": MemberStatus.AWAITING_VERIFICATION.value,
                    "to_status": MemberStatus.VERIFIED.value,
                    "reason": "",
                    "actor": "staff:superadmin",
                    "changed_at": row["updated_at"],
                },
            ]
        await uow.session.execute(insert(MemberStatusChange), history)
        await uow.commit()
    return ids


def _entry_row(member_id: int, spec: EntrySpec, now: dt.datetime) -> dict[str, Any]:
    """The stored row of an entry, validated and keyed as ``connect_profiles`` stores it."""
    entry = connect_profiles.validate_entry(
        kind=spec.kind,
        name=spec.name,
        today=now.date(),
        place_level=spec.place_level,
        area=spec.area,
        current=spec.current,
        year=spec.year,
        end_year=spec.end_year,
    )
    normalised = normalise_name(entry.name, entry.kind)
    return {
        "member_id": member_id,
        "kind": entry.kind.value,
        "name": entry.name,
        "name_key": normalised.key,
        "match_core": normalised.core,
        "place_level": entry.place_level.value if entry.place_level else None,
        "area": entry.area,
        "area_key": normalise_name(entry.area, EntryKind.PLACE).key if entry.area else None,
        "current": entry.current,
        "year": entry.year,
        "end_year": entry.end_year,
        "created_at": now,
        "updated_at": now,
    }


class _LoanMaker:
    """Loan rows with the terms, schedule and cost check ``submit_loan`` would store."""

    def __init__(self, uow: UnitOfWork, now: dt.datetime) -> None:
        self.now = now
        self._uow = uow

    async def load(self) -> None:
        products = (await self._uow.session.scalars(select(LoanProduct))).all()
        self.products = {row.code: row for row in products if row.code in PRODUCT_WEIGHTS}
        self.caps = await load_caps(self._uow)
        self.rules = await load_rules(self._uow)
        zones = await self._uow.session.execute(select(Branch.id, Branch.timezone))
        self.timezones = {branch_id: timezone for branch_id, timezone in zones}

    def make(
        self, rng: random.Random, index: int, member_id: int, branch_id: int, reference: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        code = rng.choices(list(PRODUCT_WEIGHTS), list(PRODUCT_WEIGHTS.values()))[0]
        row = self.products[code]
        product = product_terms(row)
        step = 500_000 if row.max_amount <= 10_000_000 else 1_000_000
        amount = rng.randrange(row.min_amount, row.max_amount + 1, step)
        tenor = rng.randint(row.min_tenor, row.max_tenor)
        productive = product.terms.kind is LoanKind.PRODUCTIVE
        purpose, business = (
            rng.choice(PRODUCTIVE_PURPOSES) if productive else (rng.choice(CONSUMER_PURPOSES), None)
        )
        answers = check_application(
            product,
            amount=amount,
            tenor=tenor,
            purpose=purpose,
            business_type=business,
            collateral_description="BPKB motor Honda Beat 2019"
            if row.collateral_required
            else None,
            collateral_file_id=None,
        )
        opened = self.now - dt.timedelta(minutes=rng.randint(10, OPENED_WITHIN_DAYS * 24 * 60))
        submitted = opened - dt.timedelta(hours=rng.randint(20, 72))
        reviewed = submitted + dt.timedelta(hours=rng.randint(1, 12))
        start = local_today(submitted, self.timezones.get(branch_id) or "Asia/Jakarta")
        schedule = product.terms.schedule(amount=amount, tenor=tenor, start=start)
        check = product.terms.cost(schedule, self.caps)
        second = self.rules.needs_second_approval(amount)
        loan = {
            "reference": reference,
            "request_key": f"connect-bench-{index}",
            "member_id": member_id,
            "branch_id": branch_id,
            "product_id": row.id,
            "product_code": row.code,
            "kind": product.terms.kind.value,
            "interest_method": product.terms.method.value,
            "rate_micro_percent": percent_units(product.terms.rate_percent),
            "rate_period": product.terms.rate_period.value,
            "admin_fee": product.terms.admin_fee,
            "late_fee_per_day": product.terms.late_fee_per_day,
            "rounding_multiple": product.terms.rounding_multiple,
            "rounding_mode": product.terms.rounding.value,
            "collateral_required": row.collateral_required,
            "amount": check.principal,
            "tenor_months": schedule.terms.tenor,
            "purpose": answers.purpose,
            "business_type": answers.business_type,
            "collateral_description": answers.collateral_description,
            "collateral_file_id": None,
            "schedule_start": schedule.terms.start,
            "total_interest": int(schedule.totals.interest),
            "tenor_days": check.days,
            "daily_cap_millionths": cap_units(check.cap.daily_cap),
            "status": LoanStatus.OPEN_FOR_FUNDING.value,
            "created_at": submitted,
            "status_changed_at": opened,
            "narrative": f"{answers.purpose}. Usaha berjalan baik, angsuran sesuai pendapatan.",
            "narrative_by": "kredit.bench",
            "narrative_at": reviewed,
            "review_started_by": "kredit.bench",
            "first_approved_by": "approver.satu" if second else None,
            "first_approved_at": reviewed if second else None,
            "first_approval_nonce": f"bench-first-{index}" if second else None,
            "approved_by": "approver.dua",
            "decided_by": "approver.dua",
            "decided_at": opened,
            "decision_nonce": f"bench-decision-{index}",
            "reject_reason": "",
        }
        installments = [
            {
                "period": item.period,
                "due_date": item.due_date,
                "principal": item.principal,
                "interest": item.interest,
                "installment": item.installment,
                "balance": item.balance,
            }
            for item in installment_views(schedule)
        ]
        return loan, installments


def _history(loan_id: int, loan: dict[str, Any]) -> list[dict[str, Any]]:
    """The status changes the services record on the way to open for funding."""
    steps = [
        (None, LoanStatus.SUBMITTED, "submit", f"member:{loan['member_id']}", loan["created_at"]),
        (
            LoanStatus.SUBMITTED,
            LoanStatus.UNDER_REVIEW,
            "start_review",
            "kredit.bench",
            loan["narrative_at"],
        ),
        (
            LoanStatus.UNDER_REVIEW,
            LoanStatus.OPEN_FOR_FUNDING,
            "approve",
            "approver.dua",
            loan["decided_at"],
        ),
    ]
    return [
        {
            "loan_id": loan_id,
            "from_status": before.value if before else None,
            "to_status": after.value,
            "event": event,
            "actor": actor,
            "reason": "",
            "changed_at": when,
        }
        for before, after, event, actor, when in steps
    ]


async def _insert_loans(
    db: Database, rng: random.Random, borrowers: Sequence[tuple[int, int]], now: dt.datetime
) -> int:
    """One loan open for funding per ``(member id, branch id)``, with schedule and history."""
    async with UnitOfWork(db) as uow:
        maker = _LoanMaker(uow, now)
        await maker.load()
        loans, schedules = [], []
        for index, (member_id, branch_id) in enumerate(borrowers):
            reference = f"LN-B{index:07d}"
            loan, installments = maker.make(rng, index, member_id, branch_id, reference)
            loans.append(loan)
            schedules.append(installments)
        ids = list(
            (
                await uow.session.execute(
                    insert(Loan).returning(Loan.id, sort_by_parameter_order=True), loans
                )
            ).scalars()
        )
        rows = [
            {"loan_id": loan_id, **item}
            for loan_id, items in zip(ids, schedules, strict=True)
            for item in items
        ]
        await uow.session.execute(insert(LoanInstallment), rows)
        history = [
            row for loan_id, loan in zip(ids, loans, strict=True) for row in _history(loan_id, loan)
        ]
        await uow.session.execute(insert(LoanStatusChange), history)
        await uow.commit()
    return len(ids)


async def _insert_profiles(
    db: Database,
    rng: random.Random,
    people: Sequence[PersonSpec],
    ids: Sequence[int],
    financier_phone: str,
    now: dt.datetime,
) -> tuple[int, int]:
    """Consents, entries and contacts of the consenting borrowers; returns the counts.

    About one in twenty consenting borrowers has the financier in their phone book.
    """
    consents, entries, contacts = [], [], []
    for person, member_id in zip(people, ids, strict=True):
        if not person.consented:
            continue
        consents.append({"member_id": member_id, "given_at": now - dt.timedelta(days=30)})
        entries += [_entry_row(member_id, spec, now) for spec in person.entries]
        phones = {borrower_phone(i) for i in person.contact_indexes}
        phones |= {_outside_phone(rng) for _ in range(person.outside_contacts)}
        if rng.random() < 0.05:
            phones.add(financier_phone)
        contacts += [{"member_id": member_id, "phone": p, "created_at": now} for p in phones]
    async with UnitOfWork(db) as uow:
        await uow.session.execute(insert(ConnectConsent), consents)
        await uow.session.execute(insert(ConnectEntry), entries)
        await uow.session.execute(insert(ConnectContact), contacts)
        await uow.commit()
    return len(entries), len(contacts)


async def _financier_profile(
    db: Database,
    rng: random.Random,
    financier_id: int,
    people: Sequence[PersonSpec],
    now: dt.datetime,
) -> tuple[int, int]:
    """Consent, entries and ~120 contacts (a few dozen of them borrowers) via the service."""
    await connect_profiles.give_consent(db, member_id=financier_id, now=now)
    for spec in financier_entries(now.year):
        await connect_profiles.add_entry(
            db,
            member_id=financier_id,
            kind=spec.kind,
            name=spec.name,
            now=now,
            place_level=spec.place_level,
            area=spec.area,
            current=spec.current,
            year=spec.year,
            end_year=spec.end_year,
        )
    in_city = [i for i, person in enumerate(people) if person.city == FINANCIER_CITY]
    known = rng.sample(in_city, min(30, len(in_city))) + rng.sample(range(len(people)), 10)
    phones = {borrower_phone(people[i].index) for i in known}
    phones |= {_outside_phone(rng) for _ in range(80)}
    count = 0
    for phone in sorted(phones):
        count = await connect_profiles.add_contact(db, member_id=financier_id, phone=phone, now=now)
    return len(financier_entries(now.year)), count


async def populate(db: Database, *, borrowers: int, seed: int, now: dt.datetime) -> Population:
    """Borrowers with one loan open for funding each, their profiles, and the financier."""
    rng = random.Random(seed)
    people = generate_people(borrowers, seed=seed, this_year=now.year)
    async with UnitOfWork(db, write=False) as uow:
        branches = await uow.session.execute(select(Branch.code, Branch.id))
        branch_ids = {code: branch_id for code, branch_id in branches}
    rows = [_member_row(person, rng, branch_ids, now) for person in people]
    ids = await _insert_members(db, rows, Role.BORROWER, now)
    financier = parse_nik(FINANCIER_NIK)
    check_nik_matches_birth_date(financier, FINANCIER_BIRTH)
    (financier_id,) = await _insert_members(
        db,
        [
            {
                "telegram_user_id": FINANCIER_TELEGRAM_ID,
                "full_name": FINANCIER_NAME,
                "nik": financier.nik,
                "sex": nik_sex(financier),
                "birth_date": FINANCIER_BIRTH,
                "phone": FINANCIER_PHONE,
                "branch_id": branch_ids[CITIES[FINANCIER_CITY][0]],
                "address": "Jl. Ir. H. Juanda No. 88, Dago, Coblong, Bandung",
                "bank_name": "Mandiri",
                "bank_account_number": "1300012345678",
                "bank_account_holder": FINANCIER_NAME,
                "status": MemberStatus.VERIFIED.value,
                "created_at": now - dt.timedelta(days=90),
                "updated_at": now - dt.timedelta(days=89),
            }
        ],
        Role.FINANCIER,
        now,
    )
    loans = await _insert_loans(
        db, rng, [(i, row["branch_id"]) for i, row in zip(ids, rows, strict=True)], now
    )
    entries, contacts = await _insert_profiles(db, rng, people, ids, FINANCIER_PHONE, now)
    own_entries, own_contacts = await _financier_profile(db, rng, financier_id, people, now)
    return Population(
        financier_id=financier_id,
        borrower_ids=tuple(ids),
        loans=loans,
        entries=entries,
        contacts=contacts,
        consenting_borrowers=sum(person.consented for person in people),
        financier_entries=own_entries,
        financier_contacts=own_contacts,
    )
