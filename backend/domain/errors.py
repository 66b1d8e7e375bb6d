"""The one typed error tree of kopdana.

Every error a member or a staff user can cause carries a stable ``code``. The code is
also the gettext message id under which the user-facing explanation lives, so each
surface (bot, admin web) handles an error once: translate ``error.code``, then format
it with ``error.params``.

    KopdanaError
    ├── ValidationError            bad input; the surface re-asks with a hint
    │   ├── InvalidName
    │   ├── InvalidNik
    │   ├── NikBirthDateMismatch
    │   ├── InvalidBirthDate
    │   ├── InvalidPhone
    │   ├── InvalidAmount
    │   ├── InvalidAddress
    │   ├── InvalidBankAccount
    │   └── WeakPassword
    ├── AuthenticationError        staff login refused (never says which part was wrong)
    │   ├── InvalidCredentials
    │   └── LoginThrottled
    ├── ConflictError              the request clashes with stored data
    │   ├── DuplicateNik
    │   ├── DuplicateTelegramAccount
    │   ├── RoleAlreadyHeld
    │   ├── DuplicateUsername
    │   ├── DuplicateCode
    │   └── InvalidStatusTransition
    ├── NotFoundError              a referenced record does not exist (or is not visible)
    │   ├── MemberNotFound
    │   ├── BranchNotFound
    │   ├── StaffNotFound
    │   └── RoleNotFound
    └── NotAllowedError            the actor may not do this
        └── MemberDeactivated

Domain code raises these; it never formats user text itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class KopdanaError(Exception):
    """Base of every expected kopdana error.

    ``code`` (``default_code`` unless a more specific one is given) is stable and
    doubles as the message key in the gettext catalogs; ``params`` are the values the
    translated message is formatted with.
    """

    default_code: ClassVar[str] = "error.unexpected"
    # Names of ``params`` that are rupiah amounts: surfaces show them as ``Rp 1.500.000``.
    money_params: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, code: str | None = None, **params: Any) -> None:
        # A subclass may be raised with a more specific code (e.g. "error.nik.length")
        # so the member gets the exact hint; the class still says what kind it is.
        # ``code`` is therefore never a message parameter: name such a value otherwise.
        self.code: str = code or self.default_code
        self.params: Mapping[str, Any] = params
        super().__init__(self.code)


class ValidationError(KopdanaError):
    default_code = "error.validation"


class InvalidName(ValidationError):
    default_code = "error.invalid_name"


class InvalidNik(ValidationError):
    default_code = "error.invalid_nik"


class NikBirthDateMismatch(ValidationError):
    default_code = "error.nik_birth_date_mismatch"


class InvalidBirthDate(ValidationError):
    default_code = "error.invalid_birth_date"


class InvalidPhone(ValidationError):
    default_code = "error.invalid_phone"


class InvalidAmount(ValidationError):
    default_code = "error.invalid_amount"


class InvalidAddress(ValidationError):
    default_code = "error.invalid_address"


class InvalidBankAccount(ValidationError):
    default_code = "error.invalid_bank_account"


class WeakPassword(ValidationError):
    default_code = "error.weak_password"


class AuthenticationError(KopdanaError):
    default_code = "error.authentication"


class InvalidCredentials(AuthenticationError):
    default_code = "error.invalid_credentials"


class LoginThrottled(AuthenticationError):
    """Too many failed logins; ``params['retry_after']`` says how many seconds to wait."""

    default_code = "error.login_throttled"


class ConflictError(KopdanaError):
    default_code = "error.conflict"


class DuplicateNik(ConflictError):
    default_code = "error.duplicate_nik"


class DuplicateTelegramAccount(ConflictError):
    default_code = "error.duplicate_telegram_account"


class RoleAlreadyHeld(ConflictError):
    default_code = "error.role_already_held"


class DuplicateUsername(ConflictError):
    default_code = "error.duplicate_username"


class DuplicateCode(ConflictError):
    default_code = "error.duplicate_code"


class InvalidStatusTransition(ConflictError):
    default_code = "error.invalid_status_transition"


class NotFoundError(KopdanaError):
    default_code = "error.not_found"


class MemberNotFound(NotFoundError):
    default_code = "error.member_not_found"


class BranchNotFound(NotFoundError):
    default_code = "error.branch_not_found"


class StaffNotFound(NotFoundError):
    default_code = "error.staff_not_found"


class RoleNotFound(NotFoundError):
    default_code = "error.role_not_found"


class NotAllowedError(KopdanaError):
    default_code = "error.permission"


class MemberDeactivated(NotAllowedError):
    default_code = "error.member_deactivated"
