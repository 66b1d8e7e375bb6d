"""ledger_post: one round trip per journal entry on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:20:00

The ledger's posting (backend/services/ledger.py) is, on PostgreSQL, this one function
call instead of four statements: insert the entry once per key, change each balance with
the conditional update in the order given (the caller sorts by account id, so locks are
taken in ascending order), insert the postings. It stops at the first account whose
update would break a rule and reports it; the caller then raises and rolls back. SQLite
keeps the statement-by-statement path (no round trips to save there).
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LEDGER_POST = """
CREATE OR REPLACE FUNCTION ledger_post(
    p_key text, p_kind text, p_memo text, p_created_at timestamptz, p_reverses integer,
    p_accounts integer[], p_amounts bigint[], p_releases bigint[]
) RETURNS TABLE (entry_id integer, refused_account integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_entry integer;
BEGIN
    INSERT INTO journal_entries (idempotency_key, kind, memo, created_at, reverses_entry_id)
    VALUES (p_key, p_kind, p_memo, p_created_at, p_reverses)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_entry;
    IF v_entry IS NULL THEN
        RETURN QUERY SELECT NULL::integer, NULL::integer;
        RETURN;
    END IF;
    FOR i IN 1 .. array_length(p_accounts, 1) LOOP
        UPDATE ledger_accounts
        SET balance = balance + p_amounts[i], held = held - p_releases[i]
        WHERE id = p_accounts[i]
          AND held - p_releases[i] >= 0
          AND (allow_negative OR balance + p_amounts[i] - (held - p_releases[i]) >= 0);
        IF NOT FOUND THEN
            RETURN QUERY SELECT v_entry, p_accounts[i];
            RETURN;
        END IF;
    END LOOP;
    INSERT INTO postings (entry_id, account_id, amount)
    SELECT v_entry, t.account_id, t.amount
    FROM unnest(p_accounts, p_amounts) AS t (account_id, amount);
    RETURN QUERY SELECT v_entry, NULL::integer;
END
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LEDGER_POST)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS ledger_post("
            "text, text, text, timestamptz, integer, integer[], bigint[], bigint[])"
        )
