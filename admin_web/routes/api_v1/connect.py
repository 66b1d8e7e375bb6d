"""API: social connect — the scoring weights (loan data master), a member's shared
profile and a pair explained (``connect.profiles``; reading a profile is audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.routes.api_v1.connect_models import (
    PairOut,
    SharedProfileOut,
    WeightsIn,
    WeightsOut,
)
from admin_web.routes.api_v1.models import Responses, documented
from admin_web.routes.connect import PairQuery, readable_errors
from admin_web.schemas import Id
from backend.domain.permissions import Permission
from backend.services import connect_admin, connect_scores
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["connect"])
Manager = Annotated[StaffView, require(Permission.LOANS_PRODUCTS)]
ProfileReader = Annotated[StaffView, require(Permission.CONNECT_PROFILES)]
NOT_FOUND: Responses = documented(404, "No such member (or loan) in your scope")


@router.get("/connect/weights", response_model=WeightsOut)
async def get_weights(staff: Manager, db: DbDep) -> WeightsOut:
    """The points per evidence category and the name-matching threshold in force."""
    return WeightsOut.of(await connect_scores.get_connect_settings(db, actor=staff))


@router.put("/connect/weights", response_model=WeightsOut)
async def update_weights(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, body: WeightsIn
) -> WeightsOut:
    """Replace the weights and threshold; audited with the values before and after."""
    with readable_errors(request):
        saved = await connect_scores.update_connect_settings(
            db,
            actor=staff,
            points={category.value: points for category, points in body.weights.items()},
            threshold=body.threshold,
            ip=ip,
            now=now,
        )
    return WeightsOut.of(saved)


@router.get(
    "/members/{member_id}/connect-profile", response_model=SharedProfileOut, responses=NOT_FOUND
)
async def get_shared_profile(
    staff: ProfileReader, db: DbDep, now: NowDep, ip: IpDep, member_id: Id
) -> SharedProfileOut:
    """What the member chose to share (consent, entries, number of contacts); audited."""
    shared = await connect_admin.shared_profile_for_staff(
        db, actor=staff, member_id=member_id, ip=ip, now=now
    )
    return SharedProfileOut.of(shared)


@router.get("/connect/pair", response_model=PairOut, responses=NOT_FOUND)
async def explain_pair(
    staff: ProfileReader, db: DbDep, query: Annotated[PairQuery, Query()]
) -> PairOut:
    """The score of a financier with a borrower (``borrower_id``) or with the borrower of
    a loan (``loan``, its reference): categories with points, both consents, threshold."""
    explained = await connect_admin.explain_for_staff(
        db,
        actor=staff,
        financier_id=query.financier_id,
        borrower_id=query.borrower_id,
        loan_reference=query.loan,
    )
    return PairOut.of(explained)
