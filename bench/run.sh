#!/usr/bin/env bash
# One command for the load-generator benchmark: installs what is missing, runs, updates docs/benchmarks.md.
# Options: see `bench/run.sh --help` (e.g. -d 5 -r 1 for a quick pass, --slow for the latency case).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/run.py "$@"
