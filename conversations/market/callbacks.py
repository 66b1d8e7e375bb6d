"""Callback data of the loan list. Every button carries the whole listing it belongs to
(sort, minimum score, product, page), so Back and each filter land on the same view
without keeping anything in the FSM. The longest, ``mk_o:<loan id>:newest:9:<product
id>:<page>``, stays under 50 bytes for ids below 10¹⁰ — within Telegram's 64.

Values are validated when unpacked (an unknown sort, a score outside 0–9, a page below
1): such data matches no handler but the polite refusal in ``handlers``.
"""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from backend.services.loan_market import MarketQuery, MarketSort

ALL_PRODUCTS = 0
"""``product_id`` of "every product" (database ids start at 1)."""

PREFIXES = ("mk", "mk_m", "mk_o", "mk_s", "mk_n", "mk_p")
"""Every prefix of this flow, for recognising data none of its handlers accepts."""

Score = Annotated[int, Field(ge=0, le=9)]
Id = Annotated[int, Field(ge=0, lt=10**10)]
Page = Annotated[int, Field(ge=1, lt=10**6)]


class MarketMenu(CallbackData, prefix="mk_m"):
    """The way in from the main menu: the list in a new message, default settings."""


class MarketList(CallbackData, prefix="mk"):
    """Show the list with these settings (edits the message pressed)."""

    sort: MarketSort
    min_score: Score
    product_id: Id
    page: Page

    def to_query(self) -> MarketQuery:
        product = None if self.product_id == ALL_PRODUCTS else self.product_id
        return MarketQuery(
            sort=self.sort, min_score=self.min_score, product_id=product, page=self.page
        )

    @classmethod
    def of(cls, query: MarketQuery, **changes: object) -> MarketList:
        """The listing ``query`` describes, with ``changes`` applied."""
        listing = cls(
            sort=query.sort,
            min_score=query.min_score,
            product_id=query.product_id or ALL_PRODUCTS,
            page=query.page,
        )
        return listing.model_copy(update=changes)


class MarketLoan(CallbackData, prefix="mk_o"):
    """Open a loan's page; the rest is the listing its Back button returns to."""

    loan_id: Id
    sort: MarketSort
    min_score: Score
    product_id: Id
    page: Page

    def listing(self) -> MarketList:
        return MarketList(**self.model_dump(exclude={"loan_id"}))


class MarketSchedule(CallbackData, prefix="mk_s"):
    """Send a loan's long installment table as an image."""

    loan_id: Id


class MarketNarrative(CallbackData, prefix="mk_n"):
    """Send a loan's whole narrative, when its page had to cut it."""

    loan_id: Id


class MarketProducts(CallbackData, prefix="mk_p"):
    """Choose the product filter; the rest is the listing to return to."""

    sort: MarketSort
    min_score: Score
    product_id: Id
    page: Page

    def listing(self) -> MarketList:
        return MarketList(**self.model_dump())
