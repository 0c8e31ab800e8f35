#!/usr/bin/env bash
# The whole JSON API fuzzed from its own OpenAPI document, against the demo region.
#
# Starts the demo app on a fresh SQLite file in /tmp (db upgrade, demo seed, gunicorn),
# issues a venue token and an agency token, and runs `schemathesis run --checks all`
# twice: every operation with the venue token, then the agency's with the agency token.
# Exits non-zero when schemathesis finds a failure (a 500, a response the document does
# not declare, a value the document accepts but the rules refuse, …).
#
#     bench/schemathesis.sh                 # MAX_EXAMPLES=50 PORT=5077 by default
#     MAX_EXAMPLES=200 bench/schemathesis.sh
#
# Reports (JUnit and a pytest file reproducing each failure) land in $WORK/report.
# bench/schemathesis.toml lists the few rules the document cannot state (cross-field,
# clock-dependent): only there may a schema-valid request be refused with 422.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.venv/bin"
PORT="${PORT:-5077}"
MAX_EXAMPLES="${MAX_EXAMPLES:-50}"
SEED="${SEED:-20261120}"
WORK="$(mktemp -d /tmp/kiosque-schemathesis.XXXXXX)"
BASE="http://127.0.0.1:$PORT"

export DATABASE_URL="sqlite:///$WORK/kiosque.sqlite"
export SECRET_KEY="schemathesis-run"
export RATELIMIT_ENABLED=0      # the fuzzer sends far more than a spectator would
export PAYMENT_PROVIDER=demo
unset REDIS_URL SMTP_URL STRIPE_SECRET_KEY STRIPE_WEBHOOK_SECRET

cd "$ROOT"
flask() { "$BIN/flask" --app wsgi "$@"; }

flask db upgrade >/dev/null 2>&1
flask demo seed >/dev/null
VENUE_TOKEN="$(flask token issue --venue la-criee --label schemathesis)"
AGENCY_TOKEN="$(flask token issue --agency --label schemathesis)"

"$BIN/gunicorn" -w 2 -b "127.0.0.1:$PORT" --log-level warning wsgi:app \
    >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

for _ in $(seq 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

# One worker: with two, hypothesis builds strategy descriptions with `ast` in both threads at
# once, and CPython 3.11's ast keeps its recursion depth per interpreter, not per thread; CI
# saw "AST constructor recursion depth mismatch" errors from that race, not from the API.
run() {
    local name="$1" token="$2"
    shift 2
    "$BIN/schemathesis" --no-color --config-file "$ROOT/bench/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
        --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 \
        --header "Authorization: Bearer $token" \
        --report junit,pytest --report-dir "$WORK/report/$name" \
        "$@"
}

status=0
run venue "$VENUE_TOKEN" --exclude-path-regex '/agency/' || status=$?
run agency "$AGENCY_TOKEN" --include-path-regex '/agency/' || status=$?

echo "server log: $WORK/server.log (errors: $(grep -c 'Traceback' "$WORK/server.log" || true))"
echo "reports:    $WORK/report"
exit "$status"
