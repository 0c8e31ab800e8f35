#!/usr/bin/env bash
# Known vulnerabilities in what is installed in .venv (pip-audit), PyPI's advisories
# first, then OSV's. Exits non-zero when a vulnerable package is found, or when neither
# service could be asked (a skipped package is not an audited one).
#
#     bench/audit.sh              # the installed environment (.venv)
#     bench/audit.sh --fix        # extra pip-audit options are passed through
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
AUDIT="$ROOT/.venv/bin/pip-audit"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT

for service in pypi osv; do
    status=0
    "$AUDIT" --local --progress-spinner off --vulnerability-service "$service" "$@" \
        >"$OUT" 2>&1 || status=$?
    cat "$OUT"
    # Without its advisory API, pip-audit reports every package as "not found" and exits 0.
    if grep -q "could not be audited" "$OUT" || grep -q "ConnectionError" "$OUT"; then
        echo "pip-audit: the $service service could not be asked; trying the next one" >&2
        continue
    fi
    exit "$status"
done
echo "pip-audit: no vulnerability service answered; nothing was audited" >&2
exit 2
