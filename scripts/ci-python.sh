#!/usr/bin/env bash
# The Python half of CI (issue 17): builds advlab against the newest PyPI torch (its
# LibTorch, CUDA enabled: the GPU path compiles and links), runs the C++ tests on that
# build, then `pip install .` and pytest. Run after scripts/setup.sh (.ci/run does).
# Measured on main (2 cores, the wheel cached in the venv): C++ tests on that build 548 s,
# pip install . 246 s, pytest 44 s.
set -euo pipefail
cd "$(dirname "$0")/.."

phase() { echo "ci: $1 took $(( $(date +%s) - $2 )) s"; }
venv=${ADVLAB_VENV:-/var/cache/advlab/venv}
export ADVLAB_VENV=$venv CMAKE_BUILD_PARALLEL_LEVEL=2
start=$(date +%s)

# Library, tool, tests and Python module against the wheel's LibTorch, CUDA enabled:
# the GPU path compiles and links (nothing here can run it).
t=$(date +%s); bash scripts/setup-pypi.sh --tests; phase "PyPI LibTorch build" "$t"
# The [-1, 1] conformance world checks how attacks treat the bounds, code that does not
# depend on the LibTorch version: it runs on the Debian build only, to keep CI short.
# The shared test models are TorchScript files, which this LibTorch loads as they are:
# the ones the Debian build's tests trained are reused rather than trained again (6-7
# minutes on 2 cores); training itself is tested by the trainer's own tests.
# The attack conformance suites and the three slowest strength comparisons (a quarter of
# the suite's time, all attack logic that the Debian build tests) run there only too.
if [ -d build/test-cache ] && [ ! -d build-pypi/test-cache ]; then cp -r build/test-cache build-pypi/test-cache; fi
debian_only='^(SymmetricBounds|Registry)/AttackConformance|^Alma\.BreaksTheCnn|^Pdpgd\.BreaksTheCnn|^Fmn\.MedianDistance'
t=$(date +%s); ctest --test-dir build-pypi --output-on-failure -j2 -E "$debian_only"; phase "PyPI LibTorch tests" "$t"

# What a user runs: `pip install .` against the torch in the environment, then pytest
# (compared with build-pypi's advlab tool, same LibTorch). pytest exits 5 when it
# collects no tests; set -e makes that, like any failure, fail CI.
t=$(date +%s); "$venv/bin/pip" install --quiet --force-reinstall --no-deps .; phase "pip install ." "$t"
t=$(date +%s)
ADVLAB_CLI="$PWD/build-pypi/advlab" "$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider
phase "pytest" "$t"
phase "PyPI part (total)" "$start"

