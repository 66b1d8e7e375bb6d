"""How money, dates and times are shown to people, shared by the bot and the admin web.

The app speaks two languages, ``"id"`` (default) and ``"en"``. Both are rendered with
CLDR's conventions for Indonesia through Babel: ``id`` is ``id_ID``, and ``en`` is
``en_ID``, *English as used in Indonesia*. So an English reader sees what their bank, the
KTP and every price tag in the country show:

* money is ``Rp 1.500.000`` in both languages (dot thousands separator, no decimals);
  negative amounts are ``-Rp 1.500.000`` (ASCII hyphen-minus, as Babel writes them).
  Members typing ``Rp 1,500,000`` are still understood by ``parse_rupiah``;
* dates are day-first in both: ``24 Nov 2026`` (medium) / ``24 November 2026`` (long),
  with month and weekday names in the reader's language; short dates are ``24/11/26`` (id)
  and ``24/11/2026`` (en), never the month-first US order;
* times use the 24-hour clock, ``10.05``, followed by the zone: ``WIB``, ``WITA`` or
  ``WIT`` for Indonesia's zones in both languages (other zones get Babel's short name,
  such as ``+0800``).

Any other locale is a programming error and raises ``ValueError``; region variants of
the two languages (``id_ID``, ``en-US``) are accepted and rendered as above.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import get_timezone_name
from babel.numbers import format_currency, format_decimal

from backend.domain.errors import KopdanaError

DEFAULT_TIME_ZONE = "Asia/Jakarta"
DateStyle = Literal["short", "medium", "long", "full"]

_BABEL_LOCALES = {"id": "id_ID", "en": "en_ID"}
# Indonesians name their zones the same way in English; CLDR only has these names in Indonesian.
_INDONESIAN_ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def _babel_locale(locale: str) -> str:
    language = locale.replace("-", "_").split("_")[0].lower()
    try:
        return _BABEL_LOCALES[language]
    except KeyError:
        raise ValueError(f"unsupported locale {locale!r}; kopdana speaks 'id' and 'en'") from None


def format_rupiah(amount: int, locale: str) -> str:
    """Return ``amount`` rupiah as ``Rp 1.500.000`` (``-Rp 1.500.000`` when negative).

    The same in ``"id"`` and ``"en"`` (see the module docstring).

    Raises:
        TypeError: when ``amount`` is not an ``int`` (a float or Decimal here is a bug).
        ValueError: for a locale other than id/en.
    """
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"money is an int of rupiah, got {type(amount).__name__}")
    return format_currency(
        amount, "IDR", format="¤ #,##0", locale=_babel_locale(locale), currency_digits=False
    )


def format_date(d: date, locale: str, style: DateStyle = "medium") -> str:
    """Return a date for people: ``24 Nov 2026`` (medium), ``24 November 2026`` (long).

    ``style`` is one of short, medium, long, full (full adds the weekday: ``Selasa, 24
    November 2026`` / ``Tuesday, 24 November 2026``).

    Raises:
        TypeError: when given a ``datetime``; use ``format_datetime``, which knows the
            member's time zone (the calendar day depends on it).
        ValueError: for a locale other than id/en.
    """
    if isinstance(d, datetime):
        raise TypeError("format_date takes a date; use format_datetime for a datetime")
    return babel_format_date(d, format=style, locale=_babel_locale(locale))


def format_datetime(
    dt: datetime,
    locale: str,
    tz: str = DEFAULT_TIME_ZONE,
    style: DateStyle = "medium",
) -> str:
    """Return a moment in the member's time zone: ``24 Nov 2026 10.05 WIB`` (id) or
    ``24 Nov 2026, 10.05 WIB`` (en).

    ``tz`` is an IANA zone name (``Asia/Jakarta`` = WIB by default, ``Asia/Makassar`` =
    WITA, ``Asia/Jayapura`` = WIT); ``style`` sets the date part as in ``format_date``;
    the time is hours and minutes.

    Raises:
        ValueError: when ``dt`` is naive (its moment would be a guess), or for a locale
            other than id/en.
        zoneinfo.ZoneInfoNotFoundError: for an unknown zone name.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("format_datetime needs an aware datetime (store moments in UTC)")
    babel_locale = _babel_locale(locale)
    local = dt.astimezone(ZoneInfo(tz))
    day = babel_format_date(local.date(), format=style, locale=babel_locale)
    time = babel_format_time(local.time(), format="short", locale=babel_locale)
    zone = _INDONESIAN_ZONES.get(tz) or get_timezone_name(local, "short", locale=babel_locale)
    pattern = Locale.parse(babel_locale).datetime_formats[style]
    return f"{pattern.format(time, day)} {zone}"


def format_number(value: Decimal, locale: str) -> str:
    """A decimal number the reader's way: ``0,3`` in Indonesian, ``0.3`` in English."""
    return format_decimal(value, locale=_babel_locale(locale), decimal_quantization=False)


def error_params(error: KopdanaError, locale: str) -> dict[str, Any]:
    """An error's message parameters for ``locale``: rupiah amounts as ``Rp 1.500.000``
    (the names in ``error.money_params``), decimals (rates, percentages) with the
    locale's decimal sign."""
    params: dict[str, Any] = {}
    for name, value in error.params.items():
        if name in error.money_params and isinstance(value, int):
            params[name] = format_rupiah(value, locale)
        elif isinstance(value, Decimal):
            params[name] = format_number(value, locale)
        else:
            params[name] = value
    return params
