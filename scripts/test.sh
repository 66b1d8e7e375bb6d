#!/usr/bin/env bash
# The whole test run: static checks, the suite on SQLite, and — when configured — the
# suite again on PostgreSQL. Called by `make test` (the README's test command) and .ci/run.
#
#   KOPDANA_TEST_POSTGRES_URL  run the PostgreSQL pass against this database URL
#   KOPDANA_TEST_REDIS_URL     run the Redis-backed tests (FSM storage, event isolation)
#   KOPDANA_REQUIRE_SERVICES=1 fail, instead of skipping, when either is missing (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff";          "$BIN/ruff" check .
echo "== mypy";          "$BIN/mypy"
echo "== import rules";  "$BIN/lint-imports"

run_pytest() {
  local label=$1; shift
  echo "== pytest ($label)"
  set +e
  "$BIN/pytest" "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests ($label): failing loudly" >&2
    exit 1
  fi
  return "$status"
}

if [ "${KOPDANA_REQUIRE_SERVICES:-0}" = "1" ] && [ -z "${KOPDANA_TEST_POSTGRES_URL:-}" ]; then
  echo "KOPDANA_REQUIRE_SERVICES=1 but KOPDANA_TEST_POSTGRES_URL is unset" >&2
  exit 1
fi

KOPDANA_TEST_DATABASE_URL= run_pytest "SQLite${KOPDANA_TEST_REDIS_URL:+ + Redis}" "$@"

if [ -n "${KOPDANA_TEST_POSTGRES_URL:-}" ]; then
  KOPDANA_TEST_DATABASE_URL="$KOPDANA_TEST_POSTGRES_URL" run_pytest "PostgreSQL" "$@"
fi
