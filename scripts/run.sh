#!/usr/bin/env bash
# Set up if needed, then run the main job: self-play on the embedded default model (CPU demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/azr-safe run "$@"
