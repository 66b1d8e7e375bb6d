"""Rules of journal entry drafts: balanced integer drafts pass, any perturbation fails."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.ledger import (
    JournalEntryDraft,
    LedgerValidationError,
    Posting,
    transfer_draft,
    validate_amount,
)
from backend.domain.money import MAX_AMOUNT

amounts = st.integers(min_value=-(10**9), max_value=10**9).filter(lambda a: a != 0)


@st.composite
def balanced_postings(draw: st.DrawFn) -> tuple[Posting, ...]:
    """Two or more postings on distinct accounts whose amounts sum to zero."""
    count = draw(st.integers(min_value=1, max_value=6))
    accounts = draw(
        st.lists(st.integers(1, 10_000), min_size=count + 1, max_size=count + 1, unique=True)
    )
    values = draw(st.lists(amounts, min_size=count, max_size=count))
    last = -sum(values)
    if last == 0:
        values[0] += 1
        last = -sum(values)
        if values[0] == 0 or last == 0:
            values = [5] * count
            last = -5 * count
    return tuple(Posting(a, v) for a, v in zip(accounts, [*values, last], strict=True))


def _draft(postings: tuple[Posting, ...], key: str = "k-1") -> JournalEntryDraft:
    return JournalEntryDraft(idempotency_key=key, kind="transfer", postings=postings)


@given(balanced_postings())
def test_balanced_drafts_are_accepted(postings: tuple[Posting, ...]) -> None:
    draft = _draft(postings)
    assert sum(p.amount for p in draft.postings) == 0
    assert [p.account_id for p in draft.postings] == sorted(p.account_id for p in postings)
    assert draft.same_effect("transfer", reversed(postings))


@given(balanced_postings(), st.data())
def test_changing_one_amount_unbalances(postings: tuple[Posting, ...], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(postings) - 1))
    delta = data.draw(amounts)
    changed = postings[index].amount + delta
    if changed == 0:
        return
    perturbed = list(postings)
    perturbed[index] = Posting(postings[index].account_id, changed)
    with pytest.raises(LedgerValidationError) as raised:
        _draft(tuple(perturbed))
    assert raised.value.code == "error.ledger.unbalanced"
    assert raised.value.params["imbalance"] == delta


@given(balanced_postings(), st.data())
def test_dropping_a_posting_is_refused(postings: tuple[Posting, ...], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(postings) - 1))
    with pytest.raises(LedgerValidationError) as raised:
        _draft(postings[:index] + postings[index + 1 :])
    assert raised.value.code in {"error.ledger.unbalanced", "error.ledger.too_few_postings"}


@given(balanced_postings(), st.data())
def test_repeating_an_account_is_refused(
    postings: tuple[Posting, ...], data: st.DataObject
) -> None:
    index = data.draw(st.integers(1, len(postings) - 1))
    perturbed = list(postings)
    perturbed[index] = Posting(postings[0].account_id, postings[index].amount)
    with pytest.raises(LedgerValidationError) as raised:
        _draft(tuple(perturbed))
    assert raised.value.code == "error.ledger.duplicate_account"


@pytest.mark.parametrize("amount", [True, 1.0, Decimal("1"), "1", None, 0])
def test_non_integer_or_zero_amounts_are_refused(amount: object) -> None:
    with pytest.raises(LedgerValidationError) as raised:
        Posting(1, amount)  # type: ignore[arg-type]
    assert raised.value.code in {"error.ledger.amount_not_integer", "error.ledger.zero_amount"}


def test_amount_limits() -> None:
    assert validate_amount(MAX_AMOUNT) == MAX_AMOUNT
    with pytest.raises(LedgerValidationError, match="amount_too_large"):
        validate_amount(MAX_AMOUNT + 1)
    with pytest.raises(LedgerValidationError, match="amount_not_positive"):
        validate_amount(-5, positive=True)


@pytest.mark.parametrize("key", ["", " k", "k ", "x" * 201, 5])
def test_bad_keys_are_refused(key: object) -> None:
    with pytest.raises(LedgerValidationError, match="invalid_key"):
        _draft((Posting(1, 5), Posting(2, -5)), key=key)  # type: ignore[arg-type]


def test_key_of_200_characters_is_accepted() -> None:
    assert _draft((Posting(1, 5), Posting(2, -5)), key="x" * 200).idempotency_key == "x" * 200


def test_single_posting_and_bad_kind_are_refused() -> None:
    with pytest.raises(LedgerValidationError, match="too_few_postings"):
        _draft((Posting(1, 5),))
    with pytest.raises(LedgerValidationError, match="invalid_kind"):
        JournalEntryDraft(idempotency_key="k", kind="", postings=(Posting(1, 5), Posting(2, -5)))


def test_transfer_and_reversal_drafts() -> None:
    draft = transfer_draft(from_account_id=2, to_account_id=1, amount=700, idempotency_key="t")
    assert draft.postings == (Posting(1, 700), Posting(2, -700))
    reversal = draft.negated(idempotency_key="r")
    assert reversal.kind == "reversal"
    assert reversal.postings == (Posting(1, -700), Posting(2, 700))
    with pytest.raises(LedgerValidationError, match="duplicate_account"):
        transfer_draft(from_account_id=1, to_account_id=1, amount=5, idempotency_key="t")
