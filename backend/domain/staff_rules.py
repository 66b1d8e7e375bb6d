"""Rules for staff accounts: password policy and login throttling (pure)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from backend.domain.errors import WeakPassword

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
_COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "1234567890",
        "qwertyuiop",
        "123456789a",
        "passw0rd12",
        "admin12345",
        "koperasi123",
        "kopdana123",
        "indonesia1",
        "bismillah1",
    }
)


def check_password_strength(password: str, *, username: str) -> None:
    """Refuse passwords that are short, very long, common, one repeated character,
    or contain the username. Length matters most (NIST SP 800-63B); no composition rules.

    Raises WeakPassword with a specific code.
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        raise WeakPassword(code="error.password.too_short", min=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise WeakPassword(code="error.password.too_long", max=PASSWORD_MAX_LENGTH)
    lowered = password.lower()
    if len(set(lowered)) < 4 or lowered in _COMMON_PASSWORDS:
        raise WeakPassword(code="error.password.too_common")
    if username and username.lower() in lowered:
        raise WeakPassword(code="error.password.contains_username")


@dataclass(frozen=True)
class ThrottlePolicy:
    """After ``free_attempts`` failures within ``window``, each further attempt must wait
    ``base_delay`` doubled per extra failure, at most ``max_delay`` (then refused until
    the failures age out of the window). No permanent lock-out."""

    free_attempts: int
    base_delay: dt.timedelta
    max_delay: dt.timedelta
    window: dt.timedelta


ACCOUNT_THROTTLE = ThrottlePolicy(
    free_attempts=5,
    base_delay=dt.timedelta(seconds=2),
    max_delay=dt.timedelta(minutes=15),
    window=dt.timedelta(minutes=15),
)
IP_THROTTLE = ThrottlePolicy(
    free_attempts=20,
    base_delay=dt.timedelta(seconds=2),
    max_delay=dt.timedelta(minutes=15),
    window=dt.timedelta(hours=1),
)


def seconds_until_next_attempt(
    failures: Sequence[dt.datetime], *, now: dt.datetime, policy: ThrottlePolicy
) -> int:
    """How long (whole seconds, 0 = now) before another login attempt is allowed,
    given the times of recent failed attempts (those since the last success)."""
    recent = [at for at in failures if now - at < policy.window]
    if len(recent) < policy.free_attempts:
        return 0
    exponent = min(len(recent) - policy.free_attempts, 30)
    delay = min(policy.base_delay * 2**exponent, policy.max_delay)
    wait_until = max(recent) + delay
    if wait_until <= now:
        return 0
    return math.ceil((wait_until - now).total_seconds())
