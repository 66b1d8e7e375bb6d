"""Demo data for the embedded default: the cooperative's branches, a receiving bank
account per branch (where members' deposits go), the demo loan products and a few members.

Idempotent: running it twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models import Branch
from backend.db.models_wallet import ReceivingAccount
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import DuplicateNik, DuplicateTelegramAccount
from backend.domain.ledger import AccountKind
from backend.domain.members import Role
from backend.services import ledger
from backend.services.loan_products import seed_loan_products
from backend.services.members import register_member

DEMO_BRANCHES: tuple[tuple[str, str, str, str], ...] = (
    # code, name, city, timezone
    ("JKT01", "Jakarta Selatan", "Jakarta", "Asia/Jakarta"),
    ("JKT02", "Jakarta Timur", "Jakarta", "Asia/Jakarta"),
    ("BDG01", "Bandung Kota", "Bandung", "Asia/Jakarta"),
    ("SMG01", "Semarang Tengah", "Semarang", "Asia/Jakarta"),
    ("SBY01", "Surabaya Pusat", "Surabaya", "Asia/Jakarta"),
    ("YOG01", "Yogyakarta", "Yogyakarta", "Asia/Jakarta"),
    ("MDN01", "Medan Kota", "Medan", "Asia/Jakarta"),
    ("PLB01", "Palembang", "Palembang", "Asia/Jakarta"),
    ("DPS01", "Denpasar", "Denpasar", "Asia/Makassar"),
    ("MKS01", "Makassar", "Makassar", "Asia/Makassar"),
    ("BPN01", "Balikpapan", "Balikpapan", "Asia/Makassar"),
    ("JAP01", "Jayapura", "Jayapura", "Asia/Jayapura"),
)


@dataclass(frozen=True)
class DemoMember:
    telegram_user_id: int
    full_name: str
    nik: str
    birth_date: dt.date
    phone: str
    branch_code: str
    roles: tuple[Role, ...]


# Demo members already registered; other sandbox demo users start unregistered.
DEMO_MEMBERS: tuple[DemoMember, ...] = (
    DemoMember(
        telegram_user_id=700000101,
        full_name="Rina Wulandari",
        nik="3174055708900001",
        birth_date=dt.date(1990, 8, 17),
        phone="+6281234567901",
        branch_code="JKT01",
        roles=(Role.FINANCIER,),
    ),
    DemoMember(
        telegram_user_id=700000102,
        full_name="Joko Susilo",
        nik="3273011203850002",
        birth_date=dt.date(1985, 3, 12),
        phone="+6281234567902",
        branch_code="BDG01",
        roles=(Role.BORROWER,),
    ),
)


@dataclass(frozen=True)
class SeedReport:
    branches_created: int
    members_created: int


async def seed_demo(db: Database, *, today: dt.date) -> SeedReport:
    """Create the demo branches and members that do not exist yet."""
    branches_created = 0
    async with UnitOfWork(db) as uow:
        for code, name, city, timezone in DEMO_BRANCHES:
            if await uow.branches.get_by_code(code) is None:
                uow.branches.add(
                    Branch(
                        code=code,
                        name=f"Cabang {name}",
                        city=city,
                        timezone=timezone,
                        address=f"Jl. Koperasi No. 1, {city}",
                        active=True,
                    )
                )
                branches_created += 1
        await uow.commit()
    await _seed_receiving_accounts(db)
    await seed_loan_products(db, now=dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC))
    members_created = 0
    for demo in DEMO_MEMBERS:
        async with UnitOfWork(db, write=False) as uow:
            branch = await uow.branches.get_by_code(demo.branch_code)
        assert branch is not None
        try:
            await register_member(
                db,
                telegram_user_id=demo.telegram_user_id,
                telegram_username=None,
                full_name=demo.full_name,
                nik=demo.nik,
                birth_date=demo.birth_date,
                phone=demo.phone,
                branch_id=branch.id,
                address=f"Jl. Melati No. {demo.telegram_user_id % 100}, {branch.city}",
                bank_name="BRI",
                bank_account_number=f"0021{demo.telegram_user_id}",
                bank_account_holder=demo.full_name,
                roles=demo.roles,
                today=today,
            )
            members_created += 1
        except (DuplicateNik, DuplicateTelegramAccount):
            pass
    return SeedReport(branches_created=branches_created, members_created=members_created)


async def _seed_receiving_accounts(db: Database) -> None:
    """One demo BRI account per branch that has none (staff manage them in the panel)."""

    async def work(uow: UnitOfWork) -> None:
        branches = (await uow.session.scalars(select(Branch).order_by(Branch.id))).all()
        having = set(await uow.session.scalars(select(ReceivingAccount.branch_id)))
        for branch in branches:
            if branch.id in having:
                continue
            number = f"0345{branch.id:06d}"
            clearing = await ledger.ensure_account(
                uow, code=f"bank:{branch.code}:bri:{number}", kind=AccountKind.BANK_CLEARING
            )
            uow.session.add(
                ReceivingAccount(
                    branch_id=branch.id,
                    bank_name="BRI",
                    account_number=number,
                    account_holder=f"Koperasi Kopdana {branch.name}",
                    active=True,
                    ledger_account_id=clearing.id,
                )
            )

    await ledger.in_transaction(db, work)
