"""Loan data master besides products: the cost caps (OJK's P2P caps by default) and the
borrower limits with the second-approval threshold. The services validate, check every
active product against new caps and audit each change with before and after values."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of
from admin_web.i18n import lazy_gettext, translator
from admin_web.loan_product_forms import (
    CostCapsForm,
    LoanSettingsForm,
    caps_from_form,
    decimal_text,
    form_of_caps,
    form_of_rules,
    readable,
    rules_from_form,
)
from admin_web.rendering import redirect, render
from backend.domain.cost_caps import OJK_DEFAULT_CAPS, OJK_SOURCE
from backend.domain.errors import KopdanaError, ValidationError
from backend.domain.loan_terms import LoanKind
from backend.domain.permissions import Permission
from backend.services import loan_settings
from backend.services.admin_dto import StaffView

# Two pages, two menu entries: one router each (a Feature is a router and its entry).
caps_router = APIRouter(include_in_schema=False)
settings_router = APIRouter(include_in_schema=False)
Manager = Annotated[StaffView, require(Permission.LOANS_PRODUCTS)]
CAPS = "/loan-cost-caps"
SETTINGS = "/loan-settings"


async def _caps_page(
    request: Request,
    staff: StaffView,
    db: DbDep,
    *,
    values: CostCapsForm | None = None,
    error: KopdanaError | None = None,
) -> Response:
    t = translator(request)
    current = await loan_settings.get_cost_caps(db, actor=staff)
    shown = values or form_of_caps(current.caps, t.language)
    return render(
        request,
        "loan_settings/cost_caps.html",
        {
            "current": current,
            "rows": shown.rows(),
            "kinds": LoanKind,
            "defaults": OJK_DEFAULT_CAPS,
            "ojk_source": OJK_SOURCE,
            "decimal": partial(decimal_text, language=t.language),
            "error": readable(error, t) if error else None,
        },
        status_code=status_for(error) if error else 200,
    )


@caps_router.get(CAPS)
async def cost_caps_page(request: Request, staff: Manager, db: DbDep) -> Response:
    return await _caps_page(request, staff, db)


@caps_router.post(CAPS)
async def save_cost_caps(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    form: Annotated[CostCapsForm, form_of(CostCapsForm)],
) -> Response:
    try:
        caps = caps_from_form(form, language=translator(request).language)
        await loan_settings.replace_cost_caps(db, actor=staff, caps=caps, ip=ip, now=now)
    except ValidationError as error:
        return await _caps_page(request, staff, db, values=form, error=error)
    return redirect(CAPS, flash=lazy_gettext("admin.flash.saved"))


async def _settings_page(
    request: Request,
    staff: StaffView,
    db: DbDep,
    *,
    values: LoanSettingsForm | None = None,
    error: KopdanaError | None = None,
) -> Response:
    current = await loan_settings.get_loan_settings(db, actor=staff)
    return render(
        request,
        "loan_settings/settings.html",
        {
            "current": current,
            "values": values or form_of_rules(current.rules),
            "error": readable(error, translator(request)) if error else None,
        },
        status_code=status_for(error) if error else 200,
    )


@settings_router.get(SETTINGS)
async def settings_page(request: Request, staff: Manager, db: DbDep) -> Response:
    return await _settings_page(request, staff, db)


@settings_router.post(SETTINGS)
async def save_settings(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    form: Annotated[LoanSettingsForm, form_of(LoanSettingsForm)],
) -> Response:
    try:
        rules = rules_from_form(form)
        await loan_settings.update_loan_settings(db, actor=staff, rules=rules, ip=ip, now=now)
    except ValidationError as error:
        return await _settings_page(request, staff, db, values=form, error=error)
    return redirect(SETTINGS, flash=lazy_gettext("admin.flash.saved"))
