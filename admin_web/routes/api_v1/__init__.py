"""The JSON API, ``/api/v1``: the panel's operations for scripts and other systems.

Authenticated by an API token (``Authorization: Bearer kpd_…``, issued on the account
page) or by the panel's session cookie plus ``X-CSRF-Token`` for writes; the same
permission and branch checks as the pages. Errors: ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.security import HTTPBearer

from admin_web.routes.api_v1 import (
    audit,
    branches,
    connect,
    deposits,
    loan_products,
    loans,
    members,
    staff,
    wallet,
    withdrawals,
)
from admin_web.routes.api_v1.models import ErrorOut

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A body that cannot be read (not JSON, not UTF-8)"},
    401: {"model": ErrorOut, "description": "Not logged in, or the API token is not valid"},
    403: {"model": ErrorOut, "description": "Missing permission or CSRF token"},
    422: {"model": ErrorOut, "description": "Invalid input"},
}

# Documents the bearer scheme in the schema; deps.load_auth does the checking.
BEARER = HTTPBearer(auto_error=False, description="An API token from the account page")
router = APIRouter(prefix="/api/v1", responses=ERRORS, dependencies=[Depends(BEARER)])
for module in (
    members,
    branches,
    staff,
    audit,
    deposits,
    withdrawals,
    wallet,
    loan_products,
    loans,
    connect,
):
    router.include_router(module.router)
