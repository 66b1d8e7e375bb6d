"""Pure validators for what a member types while registering.

Each validator returns the cleaned value to store, or raises a ``ValidationError``
subclass whose ``code`` names the exact problem, so the bot can re-ask with a hint.
None of them reads the clock: today's date is always passed in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from backend.domain.errors import (
    InvalidAddress,
    InvalidBankAccount,
    InvalidBirthDate,
    InvalidName,
    InvalidPhone,
)

NAME_MIN_LENGTH = 3
NAME_MAX_LENGTH = 100
ADDRESS_MIN_LENGTH = 10
ADDRESS_MAX_LENGTH = 300
BANK_ACCOUNT_MIN_DIGITS = 6
BANK_ACCOUNT_MAX_DIGITS = 20
BANK_NAME_MIN_LENGTH = 2
BANK_NAME_MAX_LENGTH = 50

# Quick-pick buttons for the bank step, in the names members use; any other bank can be typed.
COMMON_BANKS: tuple[str, ...] = (
    "BRI",
    "BNI",
    "Mandiri",
    "BCA",
    "BSI",
    "BTN",
    "CIMB Niaga",
    "Danamon",
    "Permata",
    "OCBC",
    "Bank Jago",
    "SeaBank",
)

_MASK = "•"
_NAME_PUNCTUATION = frozenset(" '.,-")
_BANK_NAME_PUNCTUATION = frozenset(" '.,-&()/")
# Phone keyboards turn ' into a typographic apostrophe; store one form.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
_SEPARATOR_CHARS = frozenset(" .-")
_DIGITS = frozenset("0123456789")


def _collapse_spaces(text: str) -> str:
    """Turn tabs, line breaks and Unicode spaces into single spaces, and trim."""
    spaced = "".join(
        " " if char in "\t\n\r" or unicodedata.category(char) == "Zs" else char for char in text
    )
    return " ".join(part for part in spaced.split(" ") if part)


def _is_latin_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L") and "LATIN" in unicodedata.name(char, "")


def _person_name_problem(name: str) -> str | None:
    """Which rule a cleaned name breaks, if any: empty, characters, too_short, too_long."""
    if not name:
        return "empty"
    if not all(_is_latin_letter(c) or c in _NAME_PUNCTUATION for c in name) or not any(
        _is_latin_letter(c) for c in name
    ):
        return "characters"
    if len(name) < NAME_MIN_LENGTH:
        return "too_short"
    if len(name) > NAME_MAX_LENGTH:
        return "too_long"
    return None


def _clean_person_name(raw: str) -> str:
    return _collapse_spaces(unicodedata.normalize("NFC", raw).translate(_APOSTROPHES))


# The codes are spelled out in full (not built from a prefix) so that they can be found in
# the source, and the catalogs checked against them.
def validate_full_name(raw: str) -> str:
    """Return a member's full name, trimmed, with runs of whitespace collapsed to one space.

    Accepts Latin letters (accented ones too), spaces, apostrophes, periods, hyphens and
    commas (for titles such as ``Budi Santoso, S.Kom``); typographic apostrophes are stored
    as ``'``. Checked in this order: empty, characters, too short, too long.

    Raises:
        InvalidName: ``error.name.empty``; ``error.name.characters`` (digits, emoji,
            control characters, other scripts, or no letter at all);
            ``error.name.too_short`` (param ``min``); ``error.name.too_long`` (param ``max``).
    """
    name = _clean_person_name(raw)
    match _person_name_problem(name):
        case "empty":
            raise InvalidName(code="error.name.empty")
        case "characters":
            raise InvalidName(code="error.name.characters")
        case "too_short":
            raise InvalidName(code="error.name.too_short", min=NAME_MIN_LENGTH)
        case "too_long":
            raise InvalidName(code="error.name.too_long", max=NAME_MAX_LENGTH)
    return name


def validate_account_holder(raw: str) -> str:
    """Return the bank account holder's name, under the same rules as ``validate_full_name``.

    Raises:
        InvalidBankAccount: ``error.account_holder.empty``, ``error.account_holder.characters``,
            ``error.account_holder.too_short`` (param ``min``),
            ``error.account_holder.too_long`` (param ``max``).
    """
    name = _clean_person_name(raw)
    match _person_name_problem(name):
        case "empty":
            raise InvalidBankAccount(code="error.account_holder.empty")
        case "characters":
            raise InvalidBankAccount(code="error.account_holder.characters")
        case "too_short":
            raise InvalidBankAccount(code="error.account_holder.too_short", min=NAME_MIN_LENGTH)
        case "too_long":
            raise InvalidBankAccount(code="error.account_holder.too_long", max=NAME_MAX_LENGTH)
    return name


_MONTH_NAMES = (
    "januari january jan",
    "februari pebruari february feb peb",
    "maret march mar",
    "april apr",
    "mei may",
    "juni june jun",
    "juli july jul",
    "agustus august agu agt ags agst aug",
    "september sep sept",
    "oktober october okt oct",
    "november nopember nov nop",
    "desember december des dec",
)
_MONTHS: dict[str, int] = {
    name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()
}

_SEP = r"[\s./-]+"
_DAY_MONTH_YEAR = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})", re.ASCII)
_YEAR_MONTH_DAY = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})", re.ASCII)
_DAY_NAME_YEAR = re.compile(r"(\d{1,2})[\s./-]*([a-z]+)[\s.,/-]*(\d{4})", re.ASCII)
_NAME_DAY_YEAR = re.compile(r"([a-z]+)[\s.]*(\d{1,2})[\s,]+(\d{4})", re.ASCII)


def parse_birth_date(raw: str) -> date:
    """Read a birth date as members type it.

    Accepts day-month-year with ``-``, ``/``, ``.`` or spaces (``17-08-1990``,
    ``17/08/1990``, ``17.08.1990``, ``17 8 1990``), ISO year-month-day (``1990-08-17``),
    and Indonesian or English month names, full or short (``17 Agustus 1990``,
    ``17 Agu 1990``, ``17 August 1990``, ``August 17, 1990``). Two-digit years are refused:
    the century would be a guess.

    Raises:
        InvalidBirthDate: ``error.birth_date.format`` when it is not written in one of
            those ways; ``error.birth_date.no_such_date`` when it is, but the day does not
            exist (``31-02-1990``, month 13).
    """
    text = _collapse_spaces(raw).casefold()
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = (int(group) for group in match.groups())
    elif match := _YEAR_MONTH_DAY.fullmatch(text):
        year, month, day = (int(group) for group in match.groups())
    elif (match := _DAY_NAME_YEAR.fullmatch(text)) and match[2] in _MONTHS:
        day, month, year = int(match[1]), _MONTHS[match[2]], int(match[3])
    elif (match := _NAME_DAY_YEAR.fullmatch(text)) and match[1] in _MONTHS:
        month, day, year = _MONTHS[match[1]], int(match[2]), int(match[3])
    else:
        raise InvalidBirthDate(code="error.birth_date.format")
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidBirthDate(code="error.birth_date.no_such_date") from None


def validate_birth_date(d: date, *, today: date, min_age: int = 18, max_age: int = 100) -> None:
    """Check that someone born on ``d`` is, on ``today``, between ``min_age`` and ``max_age``.

    Age is counted in completed years; someone born on 29 February turns a year older
    on 1 March in common years.

    Raises:
        InvalidBirthDate: ``error.birth_date.future`` (after today);
            ``error.birth_date.too_young`` (param ``min_age``);
            ``error.birth_date.too_old`` (param ``max_age``).
    """
    if d > today:
        raise InvalidBirthDate(code="error.birth_date.future")
    age = today.year - d.year - ((today.month, today.day) < (d.month, d.day))
    if age < min_age:
        raise InvalidBirthDate(code="error.birth_date.too_young", min_age=min_age)
    if age > max_age:
        raise InvalidBirthDate(code="error.birth_date.too_old", max_age=max_age)


_PHONE_MIN_DIGITS = 9
_PHONE_MAX_DIGITS = 13


def normalize_phone(raw: str) -> str:
    """Return an Indonesian mobile number in E.164 form, ``+628…``.

    Accepts ``+62 812-3456-7890``, ``0812 3456 7890``, ``6281234567890``, ``0062…``,
    ``+62 (0)812…`` and the bare ``812…``, with spaces, dashes, dots and parentheses.
    After 62 the number must start with 8 (mobile) and have 9-13 digits.
    Normalizing a normalized number returns it unchanged.

    Raises:
        InvalidPhone: ``error.phone.format`` for anything else (letters, another country
            code, a landline, too few or too many digits).
    """
    text = "".join(c for c in raw if not (c.isspace() or c in "-.()"))
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits or not set(digits) <= _DIGITS:
        raise InvalidPhone(code="error.phone.format")
    if plus or digits.startswith("62"):
        if not digits.startswith("62"):
            raise InvalidPhone(code="error.phone.format")
        national = digits[2:]
    elif digits.startswith("0062"):
        national = digits[4:]
    else:
        national = digits
    # A national number never starts with 0 after the country code, so the trunk 0 people
    # keep ("+62 0812…") can be dropped without guessing.
    if national.startswith("0"):
        national = national[1:]
    if not national.startswith("8") or not (
        _PHONE_MIN_DIGITS <= len(national) <= _PHONE_MAX_DIGITS
    ):
        raise InvalidPhone(code="error.phone.format")
    return "+62" + national


_VARIATION_SELECTORS = range(0xFE00, 0xFE10)
_ADDRESS_CATEGORIES = frozenset({"Mn", "Mc", "Nd", "Nl", "No", "Zs", "Sm", "Sc", "Sk"})


def _is_address_char(char: str) -> bool:
    category = unicodedata.category(char)
    if ord(char) in _VARIATION_SELECTORS:
        return False
    return category[0] in "LP" or category in _ADDRESS_CATEGORIES


def validate_address(raw: str) -> str:
    """Return an address, trimmed, with spaces collapsed and line breaks kept (blank lines dropped).

    Letters, digits, punctuation and the usual symbols are allowed; emoji and control
    characters are not, and it must contain at least one letter. Checked in this order:
    characters, too short, too long, no letters.

    Raises:
        InvalidAddress: ``error.address.characters``; ``error.address.too_short``
            (param ``min``); ``error.address.too_long`` (param ``max``);
            ``error.address.no_letters`` (only digits and punctuation).
    """
    lines = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    address = "\n".join(filter(None, (_collapse_spaces(line) for line in lines.split("\n"))))
    if not all(c == "\n" or _is_address_char(c) for c in address):
        raise InvalidAddress(code="error.address.characters")
    if len(address) < ADDRESS_MIN_LENGTH:
        raise InvalidAddress(code="error.address.too_short", min=ADDRESS_MIN_LENGTH)
    if len(address) > ADDRESS_MAX_LENGTH:
        raise InvalidAddress(code="error.address.too_long", max=ADDRESS_MAX_LENGTH)
    if not any(c.isalpha() for c in address):
        raise InvalidAddress(code="error.address.no_letters")
    return address


def validate_bank_account_number(raw: str) -> str:
    """Return a bank account number as a string of digits (leading zeros kept).

    Spaces, dashes and dots are removed; 6-20 digits must remain.

    Raises:
        InvalidBankAccount: ``error.bank_account.format`` (params ``min``, ``max``) for any
            other character or digit count.
    """
    number = "".join(c for c in raw if c not in _SEPARATOR_CHARS and not c.isspace())
    if not (
        set(number) <= _DIGITS and BANK_ACCOUNT_MIN_DIGITS <= len(number) <= BANK_ACCOUNT_MAX_DIGITS
    ):
        raise InvalidBankAccount(
            code="error.bank_account.format",
            min=BANK_ACCOUNT_MIN_DIGITS,
            max=BANK_ACCOUNT_MAX_DIGITS,
        )
    return number


def validate_bank_name(raw: str) -> str:
    """Return a bank's name, trimmed and with spaces collapsed (``Bank 9 Jambi``, ``BPD DIY``).

    Latin letters, digits, spaces and ``' . , - & ( ) /`` are allowed; it needs a letter
    and 2-50 characters.

    Raises:
        InvalidBankAccount: ``error.bank_name.format`` (params ``min``, ``max``).
    """
    name = _clean_person_name(raw)
    allowed = all(_is_latin_letter(c) or c in _DIGITS or c in _BANK_NAME_PUNCTUATION for c in name)
    if not (
        allowed
        and any(_is_latin_letter(c) for c in name)
        and BANK_NAME_MIN_LENGTH <= len(name) <= BANK_NAME_MAX_LENGTH
    ):
        raise InvalidBankAccount(
            code="error.bank_name.format", min=BANK_NAME_MIN_LENGTH, max=BANK_NAME_MAX_LENGTH
        )
    return name


def mask_account_number(number: str) -> str:
    """Return ``••••••7890``: six bullets, whatever the length, then the last 4 digits.

    The fixed count hides the account's length too.

    Raises:
        InvalidBankAccount: ``error.bank_account.format`` (params ``min``, ``max``) when it
            is not a valid account number, so a malformed value is never half-shown.
    """
    return _MASK * 6 + validate_bank_account_number(number)[-4:]
