#!/usr/bin/env bash
# Runs the official Python SDK check against `calltop sim`.
# Usage: scripts/sdk-check/py-run.sh path/to/calltop
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python py_check.py "$@"
