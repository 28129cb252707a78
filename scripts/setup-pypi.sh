#!/usr/bin/env bash
# Builds advlab against the LibTorch inside the newest `torch` wheel from PyPI (a CUDA
# build: it needs the CUDA toolkit's nvcc, at $CUDA_HOME or /usr/local/cuda), into
# build-pypi/: the library and the advlab tool; `--tests` also the test suite. It is
# configured as `pip install .` configures its build (position-independent, with the
# module's target), so that `pip install --no-build-isolation -C build-dir=build-pypi .`
# builds the Python module on top of the core compiled here instead of compiling it again.
# The wheel lives in a virtual environment kept between runs ($ADVLAB_VENV, default
# /var/cache/advlab/venv) with pytest and torchattacks for the Python tests.
# Run scripts/setup.sh first (the Debian packages: CMake, the header-only libraries, the
# data). Idempotent; run as root on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${ADVLAB_VENV:-/var/cache/advlab/venv}
cuda=${CUDA_HOME:-/usr/local/cuda}
if [ ! -x "$cuda/bin/nvcc" ]; then
  echo "setup-pypi: no nvcc at $cuda/bin/nvcc; PyPI's torch is a CUDA build and its CMake files need the" \
       "CUDA toolkit (set CUDA_HOME)" >&2
  exit 2
fi

packages=(python3-venv python3-dev ninja-build)  # Ninja: the generator pip's build uses too
# `--venv-only`: the virtual environment and nothing else (no apt: .ci/run installs the
# packages first, then downloads the wheels while the Debian build runs).
venv_only=$([ "${1:-}" = "--venv-only" ] && echo 1 || echo 0)
[ "$venv_only" = 1 ] || bash scripts/apt-install.sh "${packages[@]}"

# A venv left half-made by an interrupted run is made again.
if ! "$venv/bin/python" -c "import torch, pytest, torchattacks" 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
fi
# pip's cache keeps the wheel: after the first run this only asks PyPI whether torch is newer.
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet --upgrade torch torchattacks pytest scikit-build-core
"$venv/bin/python" -c "import torch; print('setup-pypi: torch', torch.__version__, 'CUDA', torch.version.cuda)"
[ "$venv_only" = 0 ] || exit 0

# The generator is chosen once, with the cache: Ninja, which scikit-build-core picks too.
generator=()
[ -f build-pypi/CMakeCache.txt ] || generator=(-G Ninja)
cmake -S . -B build-pypi "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DADVLAB_TORCH_PYTHON="$venv/bin/python3" -DPython_EXECUTABLE="$venv/bin/python3" \
      -DADVLAB_BUILD_PYTHON=ON -DADVLAB_BUILD_BENCH=OFF \
      -DADVLAB_BUILD_TESTS="$([ "${1:-}" = "--tests" ] && echo ON || echo OFF)" \
      -DCMAKE_CUDA_COMPILER="$cuda/bin/nvcc" -DCUDAToolkit_ROOT="$cuda"
# The module itself is left to `pip install .`.
targets=(--target advlab)
[ "${1:-}" = "--tests" ] && targets+=(advlab_tests)
cmake --build build-pypi -j"$(nproc)" "${targets[@]}"
