"""What staff send when reviewing loans (filters, narrative, decisions, documents), shared
by the pages and the JSON API, and the review's errors made readable.

Decisions reuse the wallet's ``NonceIn`` / ``DecisionReasonIn``: every form carries a
fresh nonce, so the same form sent twice acts once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated, Any, Literal

from fastapi import Request
from pydantic import Field, StringConstraints
from starlette.datastructures import UploadFile

from admin_web import labels
from admin_web.i18n import Translator, translator
from admin_web.schemas import (
    NO_CONTROL_CHARACTERS,
    BoundedDate,
    Id,
    Input,
    Name,
    PageNumber,
    Printable,
)
from admin_web.wallet_schemas import FilterAmount
from backend.domain.errors import KopdanaError, ValidationError
from backend.domain.loan_lifecycle import LoanEvent, LoanStatus
from backend.domain.loans import NARRATIVE_MAX_LENGTH

Narrative = Annotated[
    str,
    # Twice the service's limit: the service counts after cleaning and says so clearly.
    StringConstraints(max_length=NARRATIVE_MAX_LENGTH * 2, pattern=NO_CONTROL_CHARACTERS),
    Printable,
    Field(description="The story financiers read; line breaks are kept"),
]


class LoanQuery(Input):
    """Filters of the review list: text (reference or borrower's name), status, branch,
    product, amount range (rupiah) and submission dates (UTC days)."""

    q: Name | None = None
    status: LoanStatus | None = None
    branch_id: Id | None = None
    product_id: Id | None = None
    date_from: BoundedDate | None = None
    date_to: BoundedDate | None = None
    amount_min: FilterAmount | None = None
    amount_max: FilterAmount | None = None
    page: PageNumber = 1

    def search_args(self) -> dict[str, Any]:
        """Keyword arguments for ``loan_review.search_loans`` (``all``: any status)."""
        status = self.status
        return {
            "status": None if status == "all" else status,
            "branch_id": self.branch_id,
            "product_id": self.product_id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "amount_min": self.amount_min,
            "amount_max": self.amount_max,
            "query": self.q,
            "page": self.page - 1,
        }


class LoanPageQuery(LoanQuery):
    """The page opens on every status; ``all`` (the filter's first choice) means the same."""

    status: LoanStatus | Literal["all"] = "all"  # type: ignore[assignment]


class NarrativeIn(Input):
    narrative: Narrative = ""


def upload_field(form: Any, name: str) -> UploadFile | None:
    """The uploaded file in a multipart form field, or None when none was chosen."""
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


async def read_upload(request: Request, *, max_bytes: int) -> tuple[bytes, str | None, str]:
    """The file (at most ``max_bytes`` + 1 bytes read, so a larger one is refused as too
    large without holding it all), its name as sent, and the form's nonce."""
    form = await request.form()
    nonce = form.get("nonce")
    upload = upload_field(form, "file")
    if upload is None:
        raise ValidationError(code="error.document.empty")
    content = await upload.read(max_bytes + 1)
    return content, upload.filename, nonce if isinstance(nonce, str) else ""


def loan_readable(error: KopdanaError, translate: Translator) -> KopdanaError:
    """``error`` with loan statuses and steps (``status``, ``current``, ``event``) as the
    translated labels people read, instead of their codes."""
    params = dict(error.params)
    for key in ("status", "current"):
        with suppress(ValueError, KeyError, TypeError):
            params[key] = translate(labels.LOAN_STATUSES[LoanStatus(params[key])])
    with suppress(ValueError, KeyError, TypeError):
        params["event"] = translate(labels.LOAN_EVENTS[LoanEvent(params["event"])])
    if params.get("decided_by") == "":
        params["decided_by"] = "—"
    if params == dict(error.params):
        return error
    clone = type(error).__new__(type(error))
    KopdanaError.__init__(clone, code=error.code, **params)
    return clone


@contextmanager
def loan_readable_errors(request: Request) -> Iterator[None]:
    """Re-raise a service error with ``loan_readable`` parameters (for the JSON API, whose
    handler translates the error once)."""
    try:
        yield
    except KopdanaError as error:
        better = loan_readable(error, translator(request))
        if better is error:
            raise
        raise better from None
