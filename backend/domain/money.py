"""Money as members type it.

Money in kopdana is a whole number of rupiah held in an ``int``; never a float. This module
reads the ways Indonesians write amounts and turns them into that int, exactly.

What ``parse_rupiah`` accepts (case-insensitive, spaces optional):

* plain digits: ``1500000``
* well-placed thousands separators, ``.`` (Indonesian), ``,`` (English) or a space:
  ``1.500.000``, ``1,500,000``, ``1 500 000``; a separator between groups of other sizes
  (``1.50.000``) is an error;
* ``Rp``, ``Rp.`` or ``IDR`` in front, ``rupiah``/``Rp``/``IDR`` behind: ``Rp1.500.000``;
* no-cents endings: ``1.500.000,-``, ``1.500.000,00``, ``1,500,000.00``; any non-zero cents
  (``1.500.000,50``) are refused, because a rupiah amount has no fraction;
* a number with a word for its size, which may have a decimal part with ``,`` or ``.``:
  ``500rb``/``500 ribu``/``500k``/``500 thousand`` (10^3), ``1,5 juta``/``1.5jt``/
  ``1.5 million`` (10^6), ``1 miliar``/``1 milyar``/``1 billion`` (10^9),
  ``triliun``/``trilyun``/``trillion`` (10^12); the result must be a whole rupiah.

Decisions for the ambiguous cases, answered with ``error.amount.ambiguous`` so the member
is asked to write it out rather than risk a thousandfold mistake:

* a lone ``m``/``M`` (``1,25 M``): Indonesian for miliar, English for million;
* one separator followed by exactly three digits *with* a size word (``1.500 juta``):
  1,500 juta the Indonesian way, 1.5 juta the English way. *Without* a size word
  (``1.500``) it is a thousands separator, since rupiah amounts have no decimals.

Amounts must be positive and at most ``MAX_AMOUNT`` (10^15 rupiah).
"""

from __future__ import annotations

import re
from decimal import Decimal, Inexact, localcontext

from backend.domain.errors import InvalidAmount

MAX_AMOUNT = 10**15

_UNITS: dict[str, int] = {
    "rb": 10**3,
    "ribu": 10**3,
    "k": 10**3,
    "thousand": 10**3,
    "jt": 10**6,
    "juta": 10**6,
    "million": 10**6,
    "miliar": 10**9,
    "milyar": 10**9,
    "billion": 10**9,
    "triliun": 10**12,
    "trilyun": 10**12,
    "trillion": 10**12,
}
_AMBIGUOUS_UNITS = frozenset({"m"})
# No unit is larger than 10^12, so a fraction with more digits can never become whole.
_MAX_UNIT_DIGITS = 12

_MINUS_SIGNS = "-−–"
_CURRENCY_PREFIX = re.compile(r"(?:rp\.?|idr)\s*")
_CURRENCY_SUFFIX = re.compile(r"(?<=.)\s*(?:rupiah|idr|rp)\.?\Z")
# The number is greedy and its trailing spaces are trimmed later: a lazy one backtracks
# quadratically on long pasted input.
_AMOUNT = re.compile(
    r"(?P<number>\d[\d., ]*)(?:(?P<unit>[a-z]+)\.?|(?P<no_cents>,[-–]))?", re.ASCII
)


def parse_rupiah(raw: str) -> int:
    """Read an amount of rupiah as a member typed it and return it as an exact ``int``.

    See the module docstring for every accepted form and the decisions on ambiguous ones.
    Problems are reported in this order: how it is written, sign or zero, size, fraction.

    Raises:
        InvalidAmount: ``error.amount.format`` (not an amount: letters, emoji, misplaced
            separators, an unknown size word); ``error.amount.ambiguous`` (``1,25 M``,
            ``1.500 juta``); ``error.amount.not_positive`` (negative or zero);
            ``error.amount.too_large`` (param ``max``, above ``MAX_AMOUNT``);
            ``error.amount.fraction`` (not a whole rupiah, e.g. ``1.500.000,50``, ``1,5``).
    """
    text = " ".join(raw.split()).casefold()
    negative, text = _strip_minus(text)
    if prefix := _CURRENCY_PREFIX.match(text):
        text = text[prefix.end() :]
        if not negative:
            negative, text = _strip_minus(text)
    if suffix := _CURRENCY_SUFFIX.search(text):
        text = text[: suffix.start()]

    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise InvalidAmount(code="error.amount.format")
    unit = match["unit"]
    if unit in _AMBIGUOUS_UNITS:
        raise InvalidAmount(code="error.amount.ambiguous")
    if unit is not None and unit not in _UNITS:
        raise InvalidAmount(code="error.amount.format")
    multiplier = _UNITS[unit] if unit else 1

    whole, fraction = _split_number(match["number"].rstrip(), has_unit=unit is not None)
    if match["no_cents"] and fraction:
        raise InvalidAmount(code="error.amount.format")
    return _to_rupiah(whole, fraction, multiplier, negative=negative)


def _strip_minus(text: str) -> tuple[bool, str]:
    if text[:1] and text[0] in _MINUS_SIGNS:
        return True, text[1:].lstrip()
    return False, text


def _split_number(number: str, *, has_unit: bool) -> tuple[str, str]:
    """Split ``1.500.000,50`` into its whole digits ``1500000`` and fraction digits ``50``."""
    separators = [char for char in number if not char.isdigit()]
    if not separators:
        return number, ""
    kinds = set(separators)
    last = separators[-1]
    head, _, tail = number.rpartition(last)

    if len(kinds) == 1 and (len(separators) > 1 or last == " "):
        return _join_groups(number, last), ""
    if len(kinds) == 1:
        if len(tail) == 3 and _is_leading_group(head):
            if has_unit:
                raise InvalidAmount(code="error.amount.ambiguous")
            return head + tail, ""
        return _digits(head), _digits(tail)
    # Two kinds: the last one is the decimal separator, used once; the other groups thousands.
    if len(kinds) > 2 or last == " " or separators.count(last) != 1:
        raise InvalidAmount(code="error.amount.format")
    (group,) = kinds - {last}
    return _join_groups(head, group), _digits(tail)


def _is_leading_group(digits: str) -> bool:
    return 1 <= len(digits) <= 3 and digits.isdigit() and not digits.startswith("0")


def _join_groups(number: str, separator: str) -> str:
    """``1.500.000`` → ``1500000``, refusing groups that are not 1-3 then 3 digits."""
    first, *rest = number.split(separator)
    if not _is_leading_group(first) or any(len(g) != 3 or not g.isdigit() for g in rest):
        raise InvalidAmount(code="error.amount.format")
    return first + "".join(rest)


def _digits(part: str) -> str:
    if not part.isdigit():
        raise InvalidAmount(code="error.amount.format")
    return part


def _to_rupiah(whole: str, fraction: str, multiplier: int, *, negative: bool) -> int:
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    amount = Decimal(f"{whole}.{fraction}") if fraction else Decimal(whole)
    if negative or amount == 0:
        raise InvalidAmount(code="error.amount.not_positive")
    # Comparing Decimals is exact, and 10^15 / 10^k is a power of ten: no rounding here.
    if amount > Decimal(MAX_AMOUNT) / multiplier:
        raise InvalidAmount(code="error.amount.too_large", max=MAX_AMOUNT)
    if len(fraction) > _MAX_UNIT_DIGITS:
        raise InvalidAmount(code="error.amount.fraction")
    with localcontext() as context:
        # At most 16 whole + 12 fraction digits here; any rounding would be a bug, so trap it.
        context.prec = 40
        context.traps[Inexact] = True
        rupiah = amount * multiplier
    if rupiah != rupiah.to_integral_value():
        raise InvalidAmount(code="error.amount.fraction")
    return int(rupiah)
