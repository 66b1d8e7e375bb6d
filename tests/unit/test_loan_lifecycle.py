"""The loan lifecycle table (backend.domain.loan_lifecycle): every allowed step, the refusals."""

from __future__ import annotations

import itertools

import pytest

from backend.domain.errors import ConflictError
from backend.domain.loan_lifecycle import (
    INITIAL_STATUS,
    OPEN_APPLICATION_STATUSES,
    OUTSTANDING_STATUSES,
    PLEDGEABLE_STATUSES,
    REPAYING_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    ActorKind,
    InvalidLoanTransition,
    LoanEvent,
    LoanStatus,
    MoneyEffect,
    Part,
    allowed_events,
    next_status,
    transition,
    transitions_of_part,
)

S, E, A = LoanStatus, LoanEvent, ActorKind

# The whole table, written out independently of the module: (from, event, by, to, part, money).
EXPECTED = [
    (S.SUBMITTED, E.START_REVIEW, A.CREDIT_OFFICER, S.UNDER_REVIEW, 1, MoneyEffect.NONE),
    (S.SUBMITTED, E.REJECT, A.CREDIT_OFFICER, S.REJECTED, 1, MoneyEffect.NONE),
    (S.SUBMITTED, E.REJECT, A.APPROVER, S.REJECTED, 1, MoneyEffect.NONE),
    (S.SUBMITTED, E.WITHDRAW, A.BORROWER, S.WITHDRAWN, 1, MoneyEffect.NONE),
    (S.UNDER_REVIEW, E.APPROVE, A.APPROVER, S.OPEN_FOR_FUNDING, 1, MoneyEffect.NONE),
    (S.UNDER_REVIEW, E.REJECT, A.CREDIT_OFFICER, S.REJECTED, 1, MoneyEffect.NONE),
    (S.UNDER_REVIEW, E.REJECT, A.APPROVER, S.REJECTED, 1, MoneyEffect.NONE),
    (S.UNDER_REVIEW, E.WITHDRAW, A.BORROWER, S.WITHDRAWN, 1, MoneyEffect.NONE),
    (S.OPEN_FOR_FUNDING, E.COMPLETE_FUNDING, A.SYSTEM, S.FUNDED, 2, MoneyEffect.POST_PLEDGES),
    (
        S.OPEN_FOR_FUNDING,
        E.EXPIRE_FUNDING,
        A.SYSTEM,
        S.FUNDING_EXPIRED,
        2,
        MoneyEffect.VOID_PLEDGES,
    ),
    (S.OPEN_FOR_FUNDING, E.REJECT, A.APPROVER, S.REJECTED, 2, MoneyEffect.VOID_PLEDGES),
    (S.OPEN_FOR_FUNDING, E.WITHDRAW, A.BORROWER, S.WITHDRAWN, 2, MoneyEffect.VOID_PLEDGES),
    (S.FUNDED, E.DISBURSE, A.TREASURER, S.DISBURSED, 2, MoneyEffect.DISBURSE),
    (S.FUNDED, E.REJECT, A.APPROVER, S.REJECTED, 2, MoneyEffect.RETURN_FUNDING),
    (S.FUNDED, E.WITHDRAW, A.BORROWER, S.WITHDRAWN, 2, MoneyEffect.RETURN_FUNDING),
    (S.DISBURSED, E.CLOSE, A.SYSTEM, S.CLOSED, 2, MoneyEffect.NONE),
    (S.DISBURSED, E.WRITE_OFF, A.APPROVER, S.WRITTEN_OFF, 2, MoneyEffect.WRITE_OFF),
]
ALLOWED = {(source, event, actor) for source, event, actor, *_ in EXPECTED}


@pytest.mark.parametrize(("source", "event", "actor", "target", "part", "money"), EXPECTED)
def test_every_allowed_transition(
    source: LoanStatus,
    event: LoanEvent,
    actor: ActorKind,
    target: LoanStatus,
    part: int,
    money: MoneyEffect,
) -> None:
    assert next_status(source, event, actor) is target
    row = transition(source, event, actor)
    assert (row.part, row.money) == (Part(part), money)


def test_the_table_has_exactly_the_expected_rows() -> None:
    in_table = {
        (row.source, row.event, actor) for row in TRANSITIONS.values() for actor in row.actors
    }
    assert in_table == ALLOWED


@pytest.mark.parametrize(
    ("source", "event", "actor", "reason"),
    [
        (S.UNDER_REVIEW, E.APPROVE, A.BORROWER, "a borrower approving their own loan"),
        (S.UNDER_REVIEW, E.APPROVE, A.CREDIT_OFFICER, "the reviewer is not the approver"),
        (S.SUBMITTED, E.START_REVIEW, A.SYSTEM, "reviews are started by people"),
        (S.SUBMITTED, E.WITHDRAW, A.CREDIT_OFFICER, "only the borrower withdraws"),
        (S.FUNDED, E.DISBURSE, A.APPROVER, "the treasurer pays out"),
        (S.OPEN_FOR_FUNDING, E.COMPLETE_FUNDING, A.APPROVER, "funding completes by pledges"),
        (S.OPEN_FOR_FUNDING, E.REJECT, A.CREDIT_OFFICER, "after approval only an approver"),
        (S.DISBURSED, E.WRITE_OFF, A.TREASURER, "write-off is an approver's decision"),
        (S.DISBURSED, E.CLOSE, A.BORROWER, "a loan closes when the ledger says so"),
    ],
)
def test_the_wrong_actor_is_refused(
    source: LoanStatus, event: LoanEvent, actor: ActorKind, reason: str
) -> None:
    with pytest.raises(InvalidLoanTransition) as caught:
        next_status(source, event, actor)
    assert caught.value.code == "error.loan.transition_not_permitted", reason
    assert caught.value.params == {
        "current": source.value,
        "event": event.value,
        "actor": actor.value,
    }


@pytest.mark.parametrize(
    ("source", "event", "actor", "reason"),
    [
        (S.SUBMITTED, E.APPROVE, A.APPROVER, "approval follows a review"),
        (S.OPEN_FOR_FUNDING, E.APPROVE, A.APPROVER, "approving twice"),
        (S.SUBMITTED, E.DISBURSE, A.TREASURER, "paying out an unfunded loan"),
        (S.OPEN_FOR_FUNDING, E.DISBURSE, A.TREASURER, "paying out before fully funded"),
        (S.DISBURSED, E.WITHDRAW, A.BORROWER, "withdrawing after the money arrived"),
        (S.DISBURSED, E.REJECT, A.APPROVER, "rejecting a disbursed loan"),
        (S.FUNDED, E.CLOSE, A.SYSTEM, "closing before disbursement"),
        (S.FUNDED, E.EXPIRE_FUNDING, A.SYSTEM, "a funded loan does not expire"),
        (S.CLOSED, E.WRITE_OFF, A.APPROVER, "writing off a repaid loan"),
        (S.REJECTED, E.START_REVIEW, A.CREDIT_OFFICER, "reopening a rejected application"),
        (S.WITHDRAWN, E.WITHDRAW, A.BORROWER, "withdrawing twice"),
        (S.FUNDING_EXPIRED, E.COMPLETE_FUNDING, A.SYSTEM, "a late pledge after expiry"),
        (S.WRITTEN_OFF, E.CLOSE, A.SYSTEM, "a written-off loan stays written off"),
    ],
)
def test_a_step_the_status_does_not_have_is_refused(
    source: LoanStatus, event: LoanEvent, actor: ActorKind, reason: str
) -> None:
    with pytest.raises(InvalidLoanTransition) as caught:
        next_status(source, event, actor)
    assert caught.value.code == "error.loan.invalid_transition", reason


def test_every_combination_outside_the_table_is_refused_with_the_right_code() -> None:
    for source, event, actor in itertools.product(LoanStatus, LoanEvent, ActorKind):
        if (source, event, actor) in ALLOWED:
            continue
        with pytest.raises(InvalidLoanTransition) as caught:
            next_status(source, event, actor)
        expected = (
            "error.loan.transition_not_permitted"
            if (source, event) in TRANSITIONS
            else "error.loan.invalid_transition"
        )
        assert caught.value.code == expected, (source, event, actor)
        assert isinstance(caught.value, ConflictError)


def test_values_are_accepted_as_strings_and_unknown_ones_are_bugs() -> None:
    assert next_status("submitted", "start_review", "credit_officer") is S.UNDER_REVIEW  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        next_status("draft", "start_review", "credit_officer")  # type: ignore[arg-type]


def test_the_statuses_are_designs_list() -> None:
    assert [s.value for s in LoanStatus] == [
        "submitted",
        "under_review",
        "open_for_funding",
        "funded",
        "disbursed",
        "closed",
        "rejected",
        "withdrawn",
        "funding_expired",
        "written_off",
    ]
    assert INITIAL_STATUS is S.SUBMITTED


def test_terminal_statuses_are_the_end_and_the_side_exits() -> None:
    ends = {S.CLOSED, S.REJECTED, S.WITHDRAWN, S.FUNDING_EXPIRED, S.WRITTEN_OFF}
    assert ends == TERMINAL_STATUSES


def test_every_status_is_reachable_and_every_loan_can_end() -> None:
    reachable = {INITIAL_STATUS}
    frontier = [INITIAL_STATUS]
    while frontier:
        status = frontier.pop()
        for row in TRANSITIONS.values():
            if row.source == status and row.target not in reachable:
                reachable.add(row.target)
                frontier.append(row.target)
    assert reachable == set(LoanStatus)
    # No cycles: each step moves forward in DESIGN's order, so every loan ends.
    order = list(LoanStatus)
    for row in TRANSITIONS.values():
        assert order.index(row.target) > order.index(row.source), row


def test_open_applications_and_outstanding_loans() -> None:
    assert {S.SUBMITTED, S.UNDER_REVIEW, S.OPEN_FOR_FUNDING, S.FUNDED} == (
        OPEN_APPLICATION_STATUSES
    )
    assert {S.DISBURSED, S.WRITTEN_OFF} == OUTSTANDING_STATUSES
    assert not OPEN_APPLICATION_STATUSES & OUTSTANDING_STATUSES
    assert not OPEN_APPLICATION_STATUSES & TERMINAL_STATUSES
    assert REPAYING_STATUSES <= OUTSTANDING_STATUSES
    assert PLEDGEABLE_STATUSES <= OPEN_APPLICATION_STATUSES


def test_the_borrower_may_withdraw_exactly_while_the_application_is_open() -> None:
    withdrawable = {
        status for status in LoanStatus if E.WITHDRAW in allowed_events(status, A.BORROWER)
    }
    assert withdrawable == OPEN_APPLICATION_STATUSES


def test_part_one_moves_no_money_and_ends_at_open_for_funding() -> None:
    part_one = transitions_of_part(Part.APPLICATION)
    assert {row.source for row in part_one} == {S.SUBMITTED, S.UNDER_REVIEW}
    assert all(row.money is MoneyEffect.NONE for row in part_one)
    part_two = transitions_of_part(Part.MONEY)
    assert len(part_one) + len(part_two) == len(TRANSITIONS)
    assert {row.source for row in part_two} == {S.OPEN_FOR_FUNDING, S.FUNDED, S.DISBURSED}


def test_pledges_are_posted_or_voided_whenever_a_loan_leaves_funding() -> None:
    for row in TRANSITIONS.values():
        if row.source in PLEDGEABLE_STATUSES:
            expected = (
                MoneyEffect.POST_PLEDGES if row.target is S.FUNDED else MoneyEffect.VOID_PLEDGES
            )
            assert row.money is expected, row
        if row.source is S.FUNDED and row.target is not S.DISBURSED:
            assert row.money is MoneyEffect.RETURN_FUNDING, row


def test_allowed_events_offer_the_buttons_of_each_actor() -> None:
    assert allowed_events(S.SUBMITTED, A.BORROWER) == (E.WITHDRAW,)
    assert allowed_events(S.SUBMITTED, A.CREDIT_OFFICER) == (E.START_REVIEW, E.REJECT)
    assert allowed_events(S.UNDER_REVIEW, A.APPROVER) == (E.APPROVE, E.REJECT)
    assert allowed_events(S.FUNDED, A.TREASURER) == (E.DISBURSE,)
    assert allowed_events(S.CLOSED, A.APPROVER) == ()


def test_every_transition_has_an_audit_action() -> None:
    actions = {row.event: row.audit_action for row in TRANSITIONS.values()}
    assert set(actions) == set(LoanEvent)
    assert all(action.startswith("loan.") for action in actions.values())
    assert len(set(actions.values())) == len(actions)
    assert transition(S.UNDER_REVIEW, E.APPROVE, A.APPROVER).audit_action == "loan.approved"
