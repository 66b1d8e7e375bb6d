"""Callback data of the registration flow."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class RoleChoice(CallbackData, prefix="reg_role"):
    role: str  # "financier" | "borrower"


class BranchPick(CallbackData, prefix="reg_br"):
    branch_id: int


class BranchPageTurn(CallbackData, prefix="reg_brp"):
    page: int


class BankPick(CallbackData, prefix="reg_bank"):
    index: int


class HolderIsMe(CallbackData, prefix="reg_holder"):
    pass


class SummaryAction(CallbackData, prefix="reg_sum"):
    action: str  # "confirm" | "edit" | "cancel"


class EditField(CallbackData, prefix="reg_edit"):
    field: str
