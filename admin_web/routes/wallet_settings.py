"""Wallet data master: the rules of cash-in and cash-out, and the receiving bank accounts
per branch. Every change is audited by the service, with its before and after values."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of
from admin_web.i18n import lazy_gettext, translator
from admin_web.rendering import redirect, render
from admin_web.schemas import ActiveIn, Id
from admin_web.wallet_common import parse_amount, readable, rupiah_digits
from admin_web.wallet_schemas import ReceivingAccountIn, WalletSettingsForm
from backend.domain.errors import ConflictError, KopdanaError, NotFoundError, ValidationError
from backend.domain.permissions import Permission
from backend.domain.wallet import RequestNotFound, WalletRules
from backend.services import branch_admin, wallet_settings
from backend.services.admin_dto import BranchAdminView, StaffView
from backend.services.wallet_settings import MAX_QUICK_PICKS

router = APIRouter(include_in_schema=False)
Manager = Annotated[StaffView, require(Permission.WALLET_SETTINGS)]
PAGE = "/wallet/settings"
_MONEY_FIELDS = (
    ("deposit_minimum", False),
    ("deposit_step", False),
    ("withdrawal_minimum", False),
    ("withdrawal_step", False),
    ("withdrawal_daily_limit", True),
    ("checker_threshold", True),
)


def rules_from_form(form: WalletSettingsForm) -> WalletRules:
    """The rules typed in the form; raises the error of the first wrong field."""
    amounts = {
        name: parse_amount(getattr(form, name), field=name, zero_allowed=zero)
        for name, zero in _MONEY_FIELDS
    }
    quick_picks = tuple(
        parse_amount(raw, field="quick_picks") for raw in form.quick_picks if raw.strip()
    )
    return WalletRules(
        **amounts, deposit_deadline_hours=form.deposit_deadline_hours, quick_picks=quick_picks
    )


def form_of_rules(rules: WalletRules) -> WalletSettingsForm:
    return WalletSettingsForm(
        **{name: rupiah_digits(getattr(rules, name)) for name, _zero in _MONEY_FIELDS},
        deposit_deadline_hours=rules.deposit_deadline_hours,
        quick_picks=[rupiah_digits(amount) for amount in rules.quick_picks],
    )


async def _branches(db: DbDep, staff: StaffView) -> tuple[BranchAdminView, ...]:
    """Branches an account may be added for: the user's own when branch-scoped."""
    if not staff.can(Permission.BRANCHES_VIEW):
        return ()
    return tuple(b for b in await branch_admin.list_branches(db, actor=staff) if b.active)


async def _page(
    request: Request,
    staff: StaffView,
    db: DbDep,
    *,
    rules_values: WalletSettingsForm | None = None,
    account_values: ReceivingAccountIn | None = None,
    error: KopdanaError | None = None,
    failed: str = "",
) -> Response:
    current = await wallet_settings.get_wallet_settings(db, actor=staff)
    values = rules_values or form_of_rules(current.rules)
    picks = list(values.quick_picks) + [""] * (MAX_QUICK_PICKS - len(values.quick_picks))
    return render(
        request,
        "wallet/settings.html",
        {
            "current": current,
            "values": values,
            "quick_picks": picks[: max(MAX_QUICK_PICKS, len(values.quick_picks))],
            "accounts": await wallet_settings.list_receiving_accounts(db, actor=staff),
            "branches": await _branches(db, staff),
            "account_values": account_values,
            "error": readable(error, translator(request)) if error else None,
            "failed": failed,
        },
        status_code=status_for(error) if error else 200,
    )


@router.get(PAGE)
async def settings_page(request: Request, staff: Manager, db: DbDep) -> Response:
    return await _page(request, staff, db)


@router.post(PAGE)
async def save_settings(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    form: Annotated[WalletSettingsForm, form_of(WalletSettingsForm)],
) -> Response:
    try:
        rules = rules_from_form(form)
        await wallet_settings.update_wallet_settings(db, actor=staff, rules=rules, ip=ip, now=now)
    except ValidationError as error:
        return await _page(request, staff, db, rules_values=form, error=error, failed="rules")
    return redirect(PAGE, flash=lazy_gettext("admin.flash.saved"))


@router.post(PAGE + "/accounts")
async def add_receiving_account(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    form: Annotated[ReceivingAccountIn, form_of(ReceivingAccountIn)],
) -> Response:
    try:
        await wallet_settings.add_receiving_account(
            db,
            actor=staff,
            branch_id=form.branch_id,
            bank_name=form.bank_name,
            account_number=form.account_number,
            account_holder=form.account_holder,
            ip=ip,
            now=now,
        )
    except (ValidationError, ConflictError, NotFoundError) as error:
        return await _page(request, staff, db, account_values=form, error=error, failed="account")
    return redirect(PAGE, flash=lazy_gettext("admin.flash.receiving_account_added"))


@router.post(PAGE + "/accounts/{account_id}/active")
async def set_receiving_account_active(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    account_id: Id,
    form: Annotated[ActiveIn, form_of(ActiveIn)],
) -> Response:
    try:
        await wallet_settings.set_receiving_account_active(
            db, actor=staff, account_id=account_id, active=form.active, ip=ip, now=now
        )
    except RequestNotFound:
        raise NotFoundError() from None  # another branch's account: as if missing
    return redirect(PAGE, flash=lazy_gettext("admin.flash.saved"))
