"""Reconciliation: cash-in, cash-out and wallet balances per branch and overall, next to
the ledger's invariant report and the last run of the periodic check.

Branch-scoped staff see their branch's figures only; the invariant report covers the
whole ledger, so they see whether it holds, not the rows that break it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, NowDep, require
from admin_web.rendering import render
from backend.domain.permissions import Permission
from backend.services import Database, wallet_settings
from backend.services.admin_dto import StaffView
from backend.services.ledger_checks import LedgerReport
from backend.services.wallet_dto import BranchReconciliation
from backend.services.wallet_settings import CheckRunView
from backend.settings import Settings

router = APIRouter(include_in_schema=False)
Viewer = Annotated[StaffView, require(Permission.REPORTS_VIEW)]


def check_interval(settings: Settings) -> dt.timedelta | None:
    """How often the bot's periodic ledger check runs (``bot/jobs.py``); None when off."""
    seconds = settings.ledger_check_interval_seconds
    return dt.timedelta(seconds=seconds) if seconds > 0 else None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    branches: tuple[BranchReconciliation, ...]
    total: BranchReconciliation
    report: LedgerReport
    report_details: bool  # False for branch-scoped staff: the ledger is everyone's
    last_check: CheckRunView | None
    check_interval: dt.timedelta | None
    check_stale: bool


async def load_reconciliation(
    db: Database, *, actor: StaffView, settings: Settings, now: dt.datetime
) -> Reconciliation:
    rows, total = await wallet_settings.reconciliation(db, actor=actor)
    report = await wallet_settings.ledger_report(db, actor=actor)
    last = await wallet_settings.last_check_run(db)
    interval = check_interval(settings)
    stale = interval is not None and wallet_settings.check_run_is_stale(
        last, now=now, interval=interval
    )
    return Reconciliation(
        branches=rows,
        total=total,
        report=report,
        report_details=actor.branch_id is None,
        last_check=last,
        check_interval=interval,
        check_stale=stale,
    )


@router.get("/reconciliation")
async def reconciliation_page(request: Request, staff: Viewer, db: DbDep, now: NowDep) -> Response:
    found = await load_reconciliation(db, actor=staff, settings=request.app.state.settings, now=now)
    minutes = (
        max(1, round(found.check_interval.total_seconds() / 60)) if found.check_interval else None
    )
    return render(
        request, "wallet/reconciliation.html", {"found": found, "interval_minutes": minutes}
    )
