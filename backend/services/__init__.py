"""Services: one async function per user intention; each owns its transaction.

Surfaces (bot, admin web) hold a ``Database`` handle and pass it to services; they
never open sessions or touch models themselves.
"""

from __future__ import annotations

from backend.db.engine import Database

__all__ = ["Database"]
