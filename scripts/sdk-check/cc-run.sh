#!/usr/bin/env bash
# Runs the ringcentral-call-control check against `calltop sim`.
# Usage: scripts/sdk-check/cc-run.sh [path/to/calltop]
set -euo pipefail
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >/dev/null; else npm install --no-audit --no-fund >/dev/null; fi
exec node cc-check.js "$@"
