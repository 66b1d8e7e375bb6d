"""What staff send: form fields, query strings and JSON bodies, shared by pages and API.

Validation here only keeps input within what can be stored and compared (types, ranges,
lengths, no control characters); the services decide what is acceptable and raise the
typed errors with the messages people read.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

from backend.domain.members import MemberStatus, Role
from backend.domain.permissions import Permission

MAX_ID = 2_147_483_647  # ids are 32-bit integers in the database
MAX_PAGE = 100_000
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


# No control characters but tab and newlines (NUL breaks PostgreSQL text); stated in the
# schema as a pattern so API clients (and schemathesis) know it.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"


def _no_surrogates(value: str) -> str:
    """Lone surrogates cannot be stored as UTF-8."""
    if any(unicodedata.category(char) == "Cs" for char in value):
        raise ValueError("invalid characters")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
BoundedDate = Annotated[dt.date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]
Printable = AfterValidator(_no_surrogates)
Code = Annotated[str, StringConstraints(max_length=40, pattern=NO_CONTROL_CHARACTERS), Printable]
Label = Annotated[str, StringConstraints(max_length=60, pattern=NO_CONTROL_CHARACTERS), Printable]
Name = Annotated[str, StringConstraints(max_length=100, pattern=NO_CONTROL_CHARACTERS), Printable]
Address = Annotated[
    str, StringConstraints(max_length=300, pattern=NO_CONTROL_CHARACTERS), Printable
]
Reason = Annotated[
    str, StringConstraints(max_length=1000, pattern=NO_CONTROL_CHARACTERS), Printable
]
LocalPath = Annotated[
    str, StringConstraints(max_length=1000, pattern=NO_CONTROL_CHARACTERS), Printable
]
Secret = Annotated[
    str, StringConstraints(max_length=1024, pattern=NO_CONTROL_CHARACTERS), Printable
]


class Input(BaseModel):
    """Unknown fields are refused (a typo should not pass silently)."""

    model_config = ConfigDict(extra="forbid")


class LoginIn(Input):
    username: Name = ""
    password: Secret = ""
    next: LocalPath = "/"


class LanguageIn(Input):
    lang: Label
    next: LocalPath = "/"


class PasswordChangeIn(Input):
    current_password: Secret = ""
    new_password: Secret = ""
    confirm_password: Secret = ""


class ReasonIn(Input):
    """Why a member's status changes; the member reads it in Telegram."""

    reason: Reason = ""


class ActiveIn(Input):
    active: StrictBool  # JSON true/false; forms send "true"/"false" (see forms)


class BranchUpdateIn(Input):
    name: Name
    city: Name
    address: Address = ""
    timezone: Label = "Asia/Jakarta"


class BranchIn(BranchUpdateIn):
    code: Code


class StaffUpdateIn(Input):
    full_name: Name
    role_id: Id
    branch_id: Id | None = None  # none: all branches


class StaffIn(StaffUpdateIn):
    username: Label


class RoleUpdateIn(Input):
    name_id: Name
    name_en: Name
    permissions: list[Permission] = []


class RoleIn(RoleUpdateIn):
    code: Code


class MemberQuery(Input):
    """Member search: text (name, NIK, phone, Telegram username) and filters."""

    q: Name | None = None
    branch_id: Id | None = None
    role: Role | None = None
    status: MemberStatus | None = None
    page: PageNumber = 1


class AuditQuery(Input):
    """Audit log filters: staff user, action (prefix), object, dates (UTC days)."""

    staff_id: Id | None = None
    action: Label | None = None
    object_type: Code | None = None
    object_id: Code | None = None
    date_from: BoundedDate | None = None
    date_to: BoundedDate | None = None
    page: PageNumber = 1
