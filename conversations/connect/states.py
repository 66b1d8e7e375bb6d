"""Steps of /connect. Only progress lives here (the kind being added, the entry being
changed, what was typed so far); entries are stored only by the services, with consent."""

from __future__ import annotations

from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup


class Connect(StatesGroup):
    name = State()
    area = State()
    workplace_current = State()
    years = State()
    contact = State()
    contact_remove = State()


IN_CONNECT = StateFilter(*Connect.__all_states__)

# FSM data keys.
KIND = "connect_kind"
ENTRY_ID = "connect_entry_id"  # set while editing an entry, absent while adding one
LEVEL = "connect_level"
NAME = "connect_name"
AREA = "connect_area"
CURRENT = "connect_current"
FORM_KEYS = (KIND, ENTRY_ID, LEVEL, NAME, AREA, CURRENT)
