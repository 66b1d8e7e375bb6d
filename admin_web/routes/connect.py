"""Social connect in the panel: the scoring weights (data master), a member's shared
profile, and why a financier–borrower pair scores what it does.

The weights page stays under ``loans.products``: weights and threshold hold no member's
data, and like the loan products they decide what financiers are shown, so they belong
to the loan data master. Profiles and pair explanations need ``connect.profiles``: they
show what members chose to share (personal data under UU PDP), and reading a profile is
audited by the service.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, StringConstraints, create_model
from starlette.responses import Response

from admin_web import labels
from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of, query_of
from admin_web.i18n import Translator, lazy_gettext, translator
from admin_web.rendering import redirect, render
from admin_web.schemas import NO_CONTROL_CHARACTERS, Code, Id, Input, Printable
from backend.domain.connect_names import MATCH_THRESHOLD
from backend.domain.connect_score import (
    DEFAULT_WEIGHTS,
    DIMENSIONS,
    MAX_SCORE,
    Evidence,
    InvalidConnectSettings,
    ScoreWeights,
)
from backend.domain.errors import KopdanaError, NotFoundError, ValidationError
from backend.domain.permissions import Permission
from backend.services import connect_admin, connect_scores
from backend.services.admin_dto import StaffView

# Two menu entries (weights, pair explanation): one router each.
weights_router = APIRouter(include_in_schema=False)
profiles_router = APIRouter(include_in_schema=False)
Manager = Annotated[StaffView, require(Permission.LOANS_PRODUCTS)]
ProfileReader = Annotated[StaffView, require(Permission.CONNECT_PROFILES)]
WEIGHTS = "/connect/weights"
PAIR = "/connect/pair"

_WHOLE_NUMBER = re.compile(r"\d{1,3}")
_CATEGORIES = frozenset(category.value for category in Evidence)
WeightText = Annotated[
    str, StringConstraints(max_length=10, pattern=NO_CONTROL_CHARACTERS), Printable
]
# The weights form: one box per evidence category (named by its value) and the threshold,
# read as typed so a wrong box is refused with the category's name and kept on the page.
WeightsForm: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "WeightsForm",
    __base__=Input,
    threshold=(WeightText, ""),
    **{category.value: (WeightText, "") for category in Evidence},
)


class PairQuery(Input):
    """The pair to explain: a financier and a borrower, or the borrower of a loan."""

    financier_id: Id | None = None
    borrower_id: Id | None = None
    loan: Code | None = None


def _whole(text: str, **error: Any) -> int:
    if not _WHOLE_NUMBER.fullmatch(text.strip()):
        raise InvalidConnectSettings(**error)
    return int(text.strip())


def weights_from_form(form: BaseModel) -> tuple[dict[str, int], int]:
    """The points per category and the threshold typed in the form; raises the error of
    the first box that is not a whole number (ranges and order are the service's)."""
    points = {
        category.value: _whole(
            getattr(form, category.value),
            code="error.connect.settings.weight",
            category=category.value,
            max=MAX_SCORE,
        )
        for category in Evidence
    }
    threshold = _whole(form.threshold, code="error.connect.settings.threshold")  # type: ignore[attr-defined]
    return points, threshold


def form_values(weights: ScoreWeights) -> dict[str, str]:
    return {
        **{category.value: str(weights.points[category]) for category in Evidence},
        "threshold": str(weights.threshold),
    }


def readable(error: KopdanaError, translate: Translator) -> KopdanaError:
    """``error`` with the categories it names (``category``, ``stronger``) as labels."""
    params = dict(error.params)
    for name in ("category", "stronger"):
        value = params.get(name)
        if isinstance(value, str) and value in _CATEGORIES:
            params[name] = translate(labels.CONNECT_EVIDENCE[Evidence(value)])
    if params == dict(error.params):
        return error
    clone = type(error).__new__(type(error))
    KopdanaError.__init__(clone, code=error.code, **params)
    return clone


@contextmanager
def readable_errors(request: Request) -> Iterator[None]:
    """Re-raise a service error with ``readable`` parameters (for the JSON API, whose
    handler translates the error once)."""
    try:
        yield
    except KopdanaError as error:
        better = readable(error, translator(request))
        if better is error:
            raise
        raise better from None


async def _weights_page(
    request: Request,
    staff: StaffView,
    db: DbDep,
    *,
    values: dict[str, str] | None = None,
    error: KopdanaError | None = None,
) -> Response:
    current = await connect_scores.get_connect_settings(db, actor=staff)
    return render(
        request,
        "connect/weights.html",
        {
            "values": values or form_values(current),
            "dimensions": DIMENSIONS,
            "defaults": DEFAULT_WEIGHTS,
            "default_threshold": MATCH_THRESHOLD,
            "max_score": MAX_SCORE,
            "error": readable(error, translator(request)) if error else None,
        },
        status_code=status_for(error) if error else 200,
    )


@weights_router.get(WEIGHTS)
async def weights_page(request: Request, staff: Manager, db: DbDep) -> Response:
    return await _weights_page(request, staff, db)


@weights_router.post(WEIGHTS)
async def save_weights(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    form: Annotated[BaseModel, form_of(WeightsForm)],
) -> Response:
    try:
        points, threshold = weights_from_form(form)
        await connect_scores.update_connect_settings(
            db, actor=staff, points=points, threshold=threshold, ip=ip, now=now
        )
    except ValidationError as error:
        return await _weights_page(request, staff, db, values=form.model_dump(), error=error)
    return redirect(WEIGHTS, flash=lazy_gettext("admin.flash.saved"))


@profiles_router.get("/members/{member_id}/connect")
async def shared_profile(
    request: Request, staff: ProfileReader, db: DbDep, now: NowDep, ip: IpDep, member_id: Id
) -> Response:
    shared = await connect_admin.shared_profile_for_staff(
        db, actor=staff, member_id=member_id, ip=ip, now=now
    )
    return render(request, "connect/profile.html", {"shared": shared})


@profiles_router.get(PAIR)
async def pair_page(
    request: Request,
    staff: ProfileReader,
    db: DbDep,
    query: Annotated[PairQuery, query_of(PairQuery)],
) -> Response:
    explained: connect_admin.StaffPairExplanation | None = None
    error: KopdanaError | None = None
    if query.financier_id or query.borrower_id or query.loan:
        try:
            explained = await connect_admin.explain_for_staff(
                db,
                actor=staff,
                financier_id=query.financier_id,
                borrower_id=query.borrower_id,
                loan_reference=query.loan,
            )
        except (ValidationError, NotFoundError) as failed:
            error = failed
    return render(
        request,
        "connect/pair.html",
        {"query": query, "explained": explained, "error": error, "max_score": MAX_SCORE},
        status_code=status_for(error) if error else 200,
    )
