#!/usr/bin/env bash
# Fresh machine -> green tests: installs the dependencies, then for the release preset configures,
# builds and runs the whole suite (ctest: C++ unit tests, CLI and Python tests, the report in
# headless Chromium), then the C++ suite again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"
cmake --preset asan-ubsan >/dev/null
cmake --build --preset asan-ubsan -j "$jobs"
ctest --preset asan-ubsan -j "$jobs"
