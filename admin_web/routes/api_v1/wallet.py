"""API: wallet data master (rules, receiving accounts) and the reconciliation report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.routes.api_v1.models import Responses, documented
from admin_web.routes.api_v1.wallet_models import (
    BranchReconciliationOut,
    CheckRunOut,
    LedgerReportOut,
    ReceivingAccountOut,
    ReconciliationOut,
    ViolationOut,
    WalletSettingsOut,
)
from admin_web.routes.reconciliation import load_reconciliation
from admin_web.schemas import ActiveIn, Id
from admin_web.wallet_common import readable_errors
from admin_web.wallet_schemas import ReceivingAccountIn, WalletRulesIn
from backend.domain.errors import NotFoundError
from backend.domain.permissions import Permission
from backend.domain.wallet import RequestNotFound, WalletRules
from backend.services import wallet_settings
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["wallet"])
Manager = Annotated[StaffView, require(Permission.WALLET_SETTINGS)]
Viewer = Annotated[StaffView, require(Permission.REPORTS_VIEW)]
NOT_FOUND: Responses = documented(404, "No such account (or branch) in your scope")


@router.get("/wallet/settings", response_model=WalletSettingsOut)
async def get_wallet_settings(staff: Manager, db: DbDep) -> WalletSettingsOut:
    """The rules of cash-in and cash-out, and who changed them last."""
    return WalletSettingsOut.of(await wallet_settings.get_wallet_settings(db, actor=staff))


@router.put("/wallet/settings", response_model=WalletSettingsOut)
async def update_wallet_settings(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, body: WalletRulesIn
) -> WalletSettingsOut:
    """Replace the rules (all fields); minimums must be multiples of their steps."""
    with readable_errors(request):
        rules = WalletRules(
            deposit_minimum=body.deposit_minimum,
            deposit_step=body.deposit_step,
            deposit_deadline_hours=body.deposit_deadline_hours,
            withdrawal_minimum=body.withdrawal_minimum,
            withdrawal_step=body.withdrawal_step,
            withdrawal_daily_limit=body.withdrawal_daily_limit,
            checker_threshold=body.checker_threshold,
            quick_picks=tuple(body.quick_picks),
        )
        saved = await wallet_settings.update_wallet_settings(
            db, actor=staff, rules=rules, ip=ip, now=now
        )
    return WalletSettingsOut.of(saved)


@router.get("/wallet/receiving-accounts", response_model=list[ReceivingAccountOut])
async def list_receiving_accounts(staff: Manager, db: DbDep) -> list[ReceivingAccountOut]:
    """The cooperative's accounts members transfer deposits to, by branch, newest first."""
    accounts = await wallet_settings.list_receiving_accounts(db, actor=staff)
    return [ReceivingAccountOut.model_validate(a) for a in accounts]


@router.post(
    "/wallet/receiving-accounts",
    response_model=ReceivingAccountOut,
    status_code=201,
    responses=NOT_FOUND,
)
async def add_receiving_account(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    body: ReceivingAccountIn,
) -> ReceivingAccountOut:
    """A new active account for a branch; members see the branch's newest active one."""
    with readable_errors(request):
        account = await wallet_settings.add_receiving_account(
            db,
            actor=staff,
            branch_id=body.branch_id,
            bank_name=body.bank_name,
            account_number=body.account_number,
            account_holder=body.account_holder,
            ip=ip,
            now=now,
        )
    return ReceivingAccountOut.model_validate(account)


@router.post(
    "/wallet/receiving-accounts/{account_id}/active",
    response_model=ReceivingAccountOut,
    responses=NOT_FOUND,
)
async def set_receiving_account_active(
    staff: Manager, db: DbDep, now: NowDep, ip: IpDep, account_id: Id, body: ActiveIn
) -> ReceivingAccountOut:
    """Switch an account off (open requests keep the account they showed) or on again."""
    try:
        account = await wallet_settings.set_receiving_account_active(
            db, actor=staff, account_id=account_id, active=body.active, ip=ip, now=now
        )
    except RequestNotFound:
        raise NotFoundError() from None
    return ReceivingAccountOut.model_validate(account)


@router.get("/reconciliation", response_model=ReconciliationOut)
async def reconciliation(
    request: Request, staff: Viewer, db: DbDep, now: NowDep
) -> ReconciliationOut:
    """Confirmed cash-in, paid and pending cash-out, wallet balances per branch (your
    scope) and overall; the ledger's invariant report; the periodic check's last run."""
    found = await load_reconciliation(db, actor=staff, settings=request.app.state.settings, now=now)
    report = found.report
    details = found.report_details
    return ReconciliationOut(
        branches=[BranchReconciliationOut.of(r) for r in found.branches],
        total=BranchReconciliationOut.of(found.total),
        ledger=LedgerReportOut(
            ok=report.ok,
            violation_count=len(report.violations),
            violations=[
                ViolationOut(code=v.code, details=dict(v.details)) for v in report.violations
            ]
            if details
            else None,
            accounts=report.accounts if details else None,
            entries=report.entries if details else None,
            postings=report.postings if details else None,
            pending_holds=report.pending_holds if details else None,
        ),
        last_check=CheckRunOut(
            started_at=found.last_check.started_at,
            ok=found.last_check.ok,
            violations=found.last_check.violations,
        )
        if found.last_check
        else None,
        check_interval_seconds=found.check_interval.total_seconds()
        if found.check_interval
        else None,
        check_stale=found.check_stale,
    )
