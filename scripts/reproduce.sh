#!/usr/bin/env bash
# Fresh machine -> report: installs the dependencies, builds, and runs the main job
# `neurotheory reproduce`. The report lands in ${1:-report}/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
build/release/bin/neurotheory reproduce --out "${1:-report}"
