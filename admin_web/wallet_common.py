"""Helpers the wallet pages and API share: form nonces, amounts as typed, and service
errors whose parameters are values people should read in their language.

``RequestAlreadyDecided`` names the request's status (``confirmed``) and the settings
errors name a field (``deposit_minimum``) or a kind (``deposit``): ``readable`` puts the
translated labels of ``admin_web.labels`` in their place before the error is shown.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from enum import StrEnum
from typing import Any

from starlette.requests import Request

from admin_web import labels
from admin_web.i18n import Translator, translator
from backend.domain.errors import InvalidAmount, KopdanaError, ValidationError
from backend.domain.money import parse_rupiah
from backend.domain.wallet import RequestAlreadyDecided


def new_nonce() -> str:
    """A fresh nonce for one rendered decision form."""
    return secrets.token_urlsafe(18)


def rupiah_digits(amount: int) -> str:
    """An amount as staff type it, ``1.500.123`` (what ``parse_rupiah`` reads back)."""
    return f"{amount:,}".replace(",", ".")


def parse_amount(raw: str, *, field: str, zero_allowed: bool = False) -> int:
    """An amount a staff user typed in ``field``; a refusal names the field.

    ``zero_allowed``: an empty box or ``0`` means 0 (limits where 0 is "none").
    """
    text = raw.strip()
    if zero_allowed and text in ("", "0"):
        return 0
    try:
        return parse_rupiah(text)
    except InvalidAmount:
        raise ValidationError(code="error.wallet.settings.amount", field=field) from None


def readable(
    error: KopdanaError,
    translate: Translator,
    *,
    statuses: Mapping[Any, str] | None = None,
    status_type: type[StrEnum] | None = None,
    decided_by: str | None = None,
) -> KopdanaError:
    """``error`` with its status, field and kind parameters as translated labels.

    ``decided_by`` fills in who acted when the error could not say (an approval records
    the approver, not a decider).
    """
    params = dict(error.params)
    status = params.get("status")
    if statuses is not None and status_type is not None and isinstance(status, str):
        with suppress(ValueError, KeyError):
            params["status"] = translate(statuses[status_type(status)])
    if isinstance(error, RequestAlreadyDecided) and not params.get("decided_by"):
        params["decided_by"] = decided_by or "—"
    field = params.get("field")
    if isinstance(field, str) and field in labels.WALLET_FIELDS:
        params["field"] = translate(labels.WALLET_FIELDS[field])
    kind = params.get("kind")
    if isinstance(kind, str) and kind in labels.WALLET_KINDS:
        params["kind"] = translate(labels.WALLET_KINDS[kind])
    if params == dict(error.params):
        return error
    clone = type(error).__new__(type(error))
    KopdanaError.__init__(clone, code=error.code, **params)
    return clone


@contextmanager
def readable_errors(request: Request, **labels_for: Any) -> Iterator[None]:
    """Re-raise a service error with ``readable`` parameters (for the JSON API, whose
    handler translates the error once)."""
    try:
        yield
    except KopdanaError as error:
        better = readable(error, translator(request), **labels_for)
        if better is error:
            raise
        raise better from None
