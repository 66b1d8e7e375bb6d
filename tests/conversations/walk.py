"""Walking a member through registration in the sandbox, step by step, as a person would."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.testing import SandboxUser
from tests.conversations.conftest import first_line, msg


@dataclass
class Answers:
    full_name: str = "Siti Rahayu"
    nik: str = "3174055708900002"
    birth_date: str = "17-08-1990"
    branch_search: str = "Bandung"
    branch_button: str = "Cabang Bandung Kota · Bandung"
    address: str = "Jl. Melati No. 5, RT 01/RW 02, Coblong, Bandung"
    bank_button: str = "BCA"
    account_number: str = "1234567890"


async def ask_and_expect(user: SandboxUser, text: str, expected_key: str) -> None:
    await user.send_text(text)
    await user.wait_for_bot_message(contains=first_line(expected_key))


async def start_as_financier(user: SandboxUser) -> None:
    await user.send_text("/start")
    await user.wait_for_bot_message(contains=first_line("start.landing"))
    await user.press(msg("start.choose_financier"))
    await user.wait_for_bot_message(contains=first_line("registration.ask.full_name"))


async def walk_to_summary(user: SandboxUser, answers: Answers | None = None) -> None:
    """From /start to the summary, answering every step correctly."""
    a = answers or Answers()
    await start_as_financier(user)
    await ask_and_expect(user, a.full_name, "registration.ask.nik")
    await ask_and_expect(user, a.nik, "registration.ask.birth_date")
    await ask_and_expect(user, a.birth_date, "registration.ask.phone")
    await user.press(msg("registration.button.share_phone"))
    await user.wait_for_bot_message(contains=first_line("registration.ask.branch"))
    await user.send_text(a.branch_search)
    await user.wait_for_bot_message(contains=first_line("registration.ask.branch"))
    await user.press(a.branch_button)
    await user.wait_for_bot_message(contains=first_line("registration.ask.address"))
    await ask_and_expect(user, a.address, "registration.ask.bank_name")
    await user.press(a.bank_button)
    await user.wait_for_bot_message(contains=first_line("registration.ask.bank_account_number"))
    await ask_and_expect(user, a.account_number, "registration.ask.bank_account_holder")
    await user.press(msg("registration.holder_is_me", name=a.full_name))
    await user.wait_for_bot_message(contains=first_line("registration.summary"))


async def confirm(user: SandboxUser) -> None:
    await user.press(msg("registration.button.confirm"))
    await user.wait_for_bot_message(contains=first_line("registration.done", branch="x")[:20])
