"""Time values read back from the database.

SQLite stores timestamps without a zone; kopdana writes UTC everywhere, so a naive
value read back is UTC. PostgreSQL returns aware values already.
"""

from __future__ import annotations

import datetime as dt


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` with its time zone made explicit (UTC when the database dropped it)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def has_control_characters(text: str) -> bool:
    """True for NUL and other control characters (PostgreSQL refuses NUL in text)."""
    return any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text)
