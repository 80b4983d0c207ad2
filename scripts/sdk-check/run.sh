#!/usr/bin/env bash
# Runs the official-SDK check against `calltop sim`.
# Usage: scripts/sdk-check/run.sh [path/to/calltop]
set -euo pipefail
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >/dev/null; else npm install --no-audit --no-fund >/dev/null; fi
exec node check.js "$@"
