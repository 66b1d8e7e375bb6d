"""Message ids for values shown in pages: permissions, member statuses and roles, the
statuses of cash-in and cash-out requests, the names of the wallet settings, and the
loan data master's kinds, interest methods, rate periods, rounding modes and fields.

Kept as tables here (not built from strings in templates) so every id is visible to the
catalog test and to translators.
"""

from __future__ import annotations

from admin_web.i18n import lazy_gettext
from backend.domain.connect_names import EntryKind, PlaceLevel
from backend.domain.connect_score import Evidence
from backend.domain.loan_lifecycle import LoanEvent, LoanStatus
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import RatePeriod
from backend.domain.members import MemberStatus, Role
from backend.domain.permissions import Permission
from backend.domain.schedule import InterestMethod, RoundingMode
from backend.domain.wallet import DepositStatus, WithdrawalStatus

PERMISSIONS: dict[Permission, str] = {
    Permission.DASHBOARD_VIEW: lazy_gettext("admin.permission.dashboard_view"),
    Permission.MEMBERS_VIEW: lazy_gettext("admin.permission.members_view"),
    Permission.MEMBERS_VERIFY: lazy_gettext("admin.permission.members_verify"),
    Permission.MEMBERS_DEACTIVATE: lazy_gettext("admin.permission.members_deactivate"),
    Permission.BRANCHES_VIEW: lazy_gettext("admin.permission.branches_view"),
    Permission.BRANCHES_MANAGE: lazy_gettext("admin.permission.branches_manage"),
    Permission.STAFF_VIEW: lazy_gettext("admin.permission.staff_view"),
    Permission.STAFF_MANAGE: lazy_gettext("admin.permission.staff_manage"),
    Permission.ROLES_MANAGE: lazy_gettext("admin.permission.roles_manage"),
    Permission.AUDIT_VIEW: lazy_gettext("admin.permission.audit_view"),
    Permission.DEPOSITS_CONFIRM: lazy_gettext("admin.permission.deposits_confirm"),
    Permission.WITHDRAWALS_CONFIRM: lazy_gettext("admin.permission.withdrawals_confirm"),
    Permission.WALLET_SETTINGS: lazy_gettext("admin.permission.wallet_settings"),
    Permission.LOANS_REVIEW: lazy_gettext("admin.permission.loans_review"),
    Permission.LOANS_APPROVE: lazy_gettext("admin.permission.loans_approve"),
    Permission.LOANS_PRODUCTS: lazy_gettext("admin.permission.loans_products"),
    Permission.REPORTS_VIEW: lazy_gettext("admin.permission.reports_view"),
    Permission.CONNECT_PROFILES: lazy_gettext("admin.permission.connect_profiles"),
}

STATUSES: dict[MemberStatus, str] = {
    MemberStatus.AWAITING_VERIFICATION: lazy_gettext("member.status.awaiting_verification"),
    MemberStatus.VERIFIED: lazy_gettext("member.status.verified"),
    MemberStatus.REJECTED: lazy_gettext("member.status.rejected"),
    MemberStatus.DEACTIVATED: lazy_gettext("member.status.deactivated"),
}

ROLES: dict[Role, str] = {
    Role.FINANCIER: lazy_gettext("role.financier"),
    Role.BORROWER: lazy_gettext("role.borrower"),
}

LANGUAGE_NAMES: dict[str, str] = {
    "id": lazy_gettext("language.name.id"),
    "en": lazy_gettext("language.name.en"),
}

SEXES: dict[str, str] = {
    "F": lazy_gettext("admin.sex.female"),
    "M": lazy_gettext("admin.sex.male"),
}

DEPOSIT_STATUSES: dict[DepositStatus, str] = {
    DepositStatus.PENDING: lazy_gettext("admin.deposit.status.pending"),
    DepositStatus.CONFIRMED: lazy_gettext("admin.deposit.status.confirmed"),
    DepositStatus.REJECTED: lazy_gettext("admin.deposit.status.rejected"),
    DepositStatus.CANCELLED: lazy_gettext("admin.deposit.status.cancelled"),
    DepositStatus.EXPIRED: lazy_gettext("admin.deposit.status.expired"),
}

WITHDRAWAL_STATUSES: dict[WithdrawalStatus, str] = {
    WithdrawalStatus.PENDING: lazy_gettext("admin.withdrawal.status.pending"),
    WithdrawalStatus.APPROVED: lazy_gettext("admin.withdrawal.status.approved"),
    WithdrawalStatus.PAID: lazy_gettext("admin.withdrawal.status.paid"),
    WithdrawalStatus.REJECTED: lazy_gettext("admin.withdrawal.status.rejected"),
    WithdrawalStatus.CANCELLED: lazy_gettext("admin.withdrawal.status.cancelled"),
}

# The fields of ``WalletRules`` (and of the receiving-account form), as errors name them.
WALLET_FIELDS: dict[str, str] = {
    "deposit_minimum": lazy_gettext("admin.wallet.field.deposit_minimum"),
    "deposit_step": lazy_gettext("admin.wallet.field.deposit_step"),
    "deposit_deadline_hours": lazy_gettext("admin.wallet.field.deposit_deadline_hours"),
    "withdrawal_minimum": lazy_gettext("admin.wallet.field.withdrawal_minimum"),
    "withdrawal_step": lazy_gettext("admin.wallet.field.withdrawal_step"),
    "withdrawal_daily_limit": lazy_gettext("admin.wallet.field.withdrawal_daily_limit"),
    "checker_threshold": lazy_gettext("admin.wallet.field.checker_threshold"),
    "quick_picks": lazy_gettext("admin.wallet.field.quick_picks"),
    "bank_name": lazy_gettext("admin.wallet.field.bank_name"),
    "account_number": lazy_gettext("admin.wallet.field.account_number"),
    "account_holder": lazy_gettext("admin.wallet.field.account_holder"),
}

# ``kind`` in ``error.wallet.settings.minimum_step``.
WALLET_KINDS: dict[str, str] = {
    "deposit": lazy_gettext("admin.wallet.kind.deposit"),
    "withdrawal": lazy_gettext("admin.wallet.kind.withdrawal"),
}

LOAN_KINDS: dict[LoanKind, str] = {
    LoanKind.PRODUCTIVE: lazy_gettext("admin.loan.kind.productive"),
    LoanKind.CONSUMER: lazy_gettext("admin.loan.kind.consumer"),
}

INTEREST_METHODS: dict[InterestMethod, str] = {
    InterestMethod.FLAT: lazy_gettext("admin.loan.method.flat"),
    InterestMethod.ANNUITY: lazy_gettext("admin.loan.method.annuity"),
    InterestMethod.EQUAL_PRINCIPAL: lazy_gettext("admin.loan.method.equal_principal"),
}

# "1,5 % per bulan": how a product's rate is stated.
RATE_PERIODS: dict[RatePeriod, str] = {
    RatePeriod.MONTH: lazy_gettext("admin.loan.rate_period.month"),
    RatePeriod.YEAR: lazy_gettext("admin.loan.rate_period.year"),
}

ROUNDING_MODES: dict[RoundingMode, str] = {
    RoundingMode.HALF_EVEN: lazy_gettext("admin.loan.rounding.half_even"),
    RoundingMode.HALF_UP: lazy_gettext("admin.loan.rounding.half_up"),
    RoundingMode.UP: lazy_gettext("admin.loan.rounding.up"),
    RoundingMode.DOWN: lazy_gettext("admin.loan.rounding.down"),
}

# The fields of the loan data master (products, cost caps, limits), as errors name them.
LOAN_FIELDS: dict[str, str] = {
    "code": lazy_gettext("admin.loan.field.code"),
    "name_id": lazy_gettext("admin.loan.field.name_id"),
    "name_en": lazy_gettext("admin.loan.field.name_en"),
    "kind": lazy_gettext("admin.loan.field.kind"),
    "method": lazy_gettext("admin.loan.field.method"),
    "rate_percent": lazy_gettext("admin.loan.field.rate_percent"),
    "rate_period": lazy_gettext("admin.loan.field.rate_period"),
    "min_amount": lazy_gettext("admin.loan.field.min_amount"),
    "max_amount": lazy_gettext("admin.loan.field.max_amount"),
    "min_tenor": lazy_gettext("admin.loan.field.min_tenor"),
    "max_tenor": lazy_gettext("admin.loan.field.max_tenor"),
    "admin_fee": lazy_gettext("admin.loan.field.admin_fee"),
    "late_fee_per_day": lazy_gettext("admin.loan.field.late_fee_per_day"),
    "rounding_multiple": lazy_gettext("admin.loan.field.rounding_multiple"),
    "collateral_required": lazy_gettext("admin.loan.field.collateral_required"),
    "min_months": lazy_gettext("admin.loan.field.min_months"),
    "max_months": lazy_gettext("admin.loan.field.max_months"),
    "cap_percent": lazy_gettext("admin.loan.field.cap_percent"),
    "source": lazy_gettext("admin.loan.field.source"),
    "max_open_applications": lazy_gettext("admin.loan.field.max_open_applications"),
    "max_exposure": lazy_gettext("admin.loan.field.max_exposure"),
    "second_approval_threshold": lazy_gettext("admin.loan.field.second_approval_threshold"),
}

LOAN_STATUSES: dict[LoanStatus, str] = {
    LoanStatus.SUBMITTED: lazy_gettext("admin.loan.status.submitted"),
    LoanStatus.UNDER_REVIEW: lazy_gettext("admin.loan.status.under_review"),
    LoanStatus.OPEN_FOR_FUNDING: lazy_gettext("admin.loan.status.open_for_funding"),
    LoanStatus.FUNDED: lazy_gettext("admin.loan.status.funded"),
    LoanStatus.DISBURSED: lazy_gettext("admin.loan.status.disbursed"),
    LoanStatus.CLOSED: lazy_gettext("admin.loan.status.closed"),
    LoanStatus.REJECTED: lazy_gettext("admin.loan.status.rejected"),
    LoanStatus.WITHDRAWN: lazy_gettext("admin.loan.status.withdrawn"),
    LoanStatus.FUNDING_EXPIRED: lazy_gettext("admin.loan.status.funding_expired"),
    LoanStatus.WRITTEN_OFF: lazy_gettext("admin.loan.status.written_off"),
}

# The steps of the lifecycle, as a loan's history and refusals name them.
LOAN_EVENTS: dict[LoanEvent, str] = {
    LoanEvent.START_REVIEW: lazy_gettext("admin.loan.event.start_review"),
    LoanEvent.APPROVE: lazy_gettext("admin.loan.event.approve"),
    LoanEvent.REJECT: lazy_gettext("admin.loan.event.reject"),
    LoanEvent.WITHDRAW: lazy_gettext("admin.loan.event.withdraw"),
    LoanEvent.COMPLETE_FUNDING: lazy_gettext("admin.loan.event.complete_funding"),
    LoanEvent.EXPIRE_FUNDING: lazy_gettext("admin.loan.event.expire_funding"),
    LoanEvent.DISBURSE: lazy_gettext("admin.loan.event.disburse"),
    LoanEvent.CLOSE: lazy_gettext("admin.loan.event.close"),
    LoanEvent.WRITE_OFF: lazy_gettext("admin.loan.event.write_off"),
}

# Social connect: the categories a score is made of, as staff read them (weights page,
# pair explanation), and the kinds and place levels of a member's shared entries.
CONNECT_EVIDENCE: dict[Evidence, str] = {
    Evidence.SAME_CURRENT_WORKPLACE: lazy_gettext("admin.connect.evidence.same_current_workplace"),
    Evidence.SAME_WORKPLACE: lazy_gettext("admin.connect.evidence.same_workplace"),
    Evidence.CLASSMATES: lazy_gettext("admin.connect.evidence.classmates"),
    Evidence.SAME_SCHOOL: lazy_gettext("admin.connect.evidence.same_school"),
    Evidence.SAME_KELURAHAN: lazy_gettext("admin.connect.evidence.same_kelurahan"),
    Evidence.SAME_KECAMATAN: lazy_gettext("admin.connect.evidence.same_kecamatan"),
    Evidence.SAME_CITY: lazy_gettext("admin.connect.evidence.same_city"),
    Evidence.SAME_HOMETOWN: lazy_gettext("admin.connect.evidence.same_hometown"),
    Evidence.SHARED_COMMUNITY: lazy_gettext("admin.connect.evidence.shared_community"),
    Evidence.SHARED_EVENT: lazy_gettext("admin.connect.evidence.shared_event"),
    Evidence.KNOW_EACH_OTHER: lazy_gettext("admin.connect.evidence.know_each_other"),
    Evidence.ONE_KNOWS_THE_OTHER: lazy_gettext("admin.connect.evidence.one_knows_the_other"),
    Evidence.REFERRAL: lazy_gettext("admin.connect.evidence.referral"),
    Evidence.REPAID_LOAN: lazy_gettext("admin.connect.evidence.repaid_loan"),
    Evidence.SAME_BRANCH: lazy_gettext("admin.connect.evidence.same_branch"),
}

CONNECT_KINDS: dict[EntryKind, str] = {
    EntryKind.WORKPLACE: lazy_gettext("connect.kind.workplace"),
    EntryKind.SCHOOL: lazy_gettext("connect.kind.school"),
    EntryKind.PLACE: lazy_gettext("connect.kind.place"),
    EntryKind.COMMUNITY: lazy_gettext("connect.kind.community"),
    EntryKind.EVENT: lazy_gettext("connect.kind.event"),
}

CONNECT_PLACE_LEVELS: dict[PlaceLevel, str] = {
    PlaceLevel.KELURAHAN: lazy_gettext("connect.place_level.kelurahan"),
    PlaceLevel.KECAMATAN: lazy_gettext("connect.place_level.kecamatan"),
    PlaceLevel.CITY: lazy_gettext("connect.place_level.city"),
    PlaceLevel.HOMETOWN: lazy_gettext("connect.place_level.hometown"),
}
