#!/usr/bin/env bash
# The Python half of CI (issue 17): builds advlab against the newest PyPI torch (its
# LibTorch, CUDA enabled: the GPU path compiles and links), runs the C++ tests on that
# build, then `pip install .` and pytest. Run after scripts/setup.sh (.ci/run does).
# `pip install` builds the module in build-pypi/ too, on top of the core compiled for the
# C++ tests (the README's Python command).
set -euo pipefail
cd "$(dirname "$0")/.."

phase() { echo "ci: $1 took $(( $(date +%s) - $2 )) s"; }
venv=${ADVLAB_VENV:-/var/cache/advlab/venv}
export ADVLAB_VENV=$venv CMAKE_BUILD_PARALLEL_LEVEL=2
start=$(date +%s)

# Library, tool and tests against the wheel's LibTorch, CUDA enabled: the GPU path
# compiles and links (nothing here can run it). The module is pip's, below.
t=$(date +%s); bash scripts/setup-pypi.sh --tests; phase "PyPI LibTorch build" "$t"
# What runs on this build: everything that touches how this LibTorch behaves: models
# saved, loaded and run, data, the command line, reports, training, c10d, the linear
# known answers, the property tests, and 16 attacks (the suites' and the random ones) run
# bit for bit in any batch cut. What runs on the Debian build only is attack logic that
# does not depend on the LibTorch version, 58% of the suite's time (108 of its 301
# processes): the two conformance worlds (every attack, norm and targeting) and the
# strength comparisons on the trained CNN (one attack against another or against a
# bisection, success against noise).
# The shared test models are TorchScript files, which this LibTorch loads as they are:
# the ones the Debian build's tests trained are reused rather than trained again (6-7
# minutes on 2 cores); training itself is tested by the trainer's own tests.
if [ -d build/test-cache ] && [ ! -d build-pypi/test-cache ]; then cp -r build/test-cache build-pypi/test-cache; fi
conformance='(SymmetricBounds|Registry)/AttackConformance'
strength='MinimumNormStrength|CnnStrength|Norms/FabCnn|FabCnnDistance|Attacks/MinimumNorm(Sweep|Cnn)|Norms/FmnOnCnn'
strength+='|Norms/ApgdVersusPgd|Apgd|Fmn|Ddn|Alma|Pdpgd|SigmaZero|SparseFool|Jsma|OnePixel|Hsja|BoundaryAttack'
strength+='|ScoreAttacks/BeatsNoise|ScoreAttacksOnCnn|TransferAttack|AdvGanAttack|AdversarialPatch|Rp2'
debian_only="^($conformance|$strength)\\."
t=$(date +%s); ctest --test-dir build-pypi --output-on-failure -j2 -E "$debian_only"; phase "PyPI LibTorch tests" "$t"

# The README's Python command: `pip install` against the torch in the environment, into
# build-pypi/ (no isolated build: it uses the venv's scikit-build-core, which leaves the
# folder's cache alone), then pytest (compared with build-pypi's advlab tool, same
# LibTorch). pytest exits 5 when it collects no tests; set -e makes that, like any
# failure, fail CI.
t=$(date +%s)
"$venv/bin/pip" install --quiet --force-reinstall --no-deps --no-build-isolation -C build-dir=build-pypi .
phase "pip install ." "$t"
t=$(date +%s)
ADVLAB_CLI="$PWD/build-pypi/advlab" "$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider
phase "pytest" "$t"
phase "PyPI part (total)" "$start"

