"""Registration steps, in the order a member answers them."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Registration(StatesGroup):
    full_name = State()
    nik = State()
    birth_date = State()
    phone = State()
    branch = State()
    address = State()
    bank_name = State()
    bank_account_number = State()
    bank_account_holder = State()
    summary = State()
    edit_choice = State()


STEPS: tuple[State, ...] = (
    Registration.full_name,
    Registration.nik,
    Registration.birth_date,
    Registration.phone,
    Registration.branch,
    Registration.address,
    Registration.bank_name,
    Registration.bank_account_number,
    Registration.bank_account_holder,
)

# The field a step fills, keyed by the state's short name (also used in callback data).
FIELD_OF_STEP = {str(step.state).split(":")[1]: step for step in STEPS}


def step_named(name: str) -> State | None:
    return FIELD_OF_STEP.get(name)


def previous_step(current: str | None) -> State | None:
    """The step before ``current`` (None before the first: back to the landing)."""
    names = [s.state for s in STEPS]
    if current == Registration.summary.state:
        return STEPS[-1]
    if current not in names:
        return None
    index = names.index(current)
    return STEPS[index - 1] if index > 0 else None


def next_step(current: str) -> State:
    """The step after ``current``; after the last one comes the summary."""
    names = [s.state for s in STEPS]
    index = names.index(current)
    return STEPS[index + 1] if index + 1 < len(STEPS) else Registration.summary
