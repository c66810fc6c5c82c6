#!/usr/bin/env bash
# The GPU check in one command: the accelerator tests (tests/rl/test_accelerator.py: simulator, policy and a
# training run on CUDA agree with the CPU and learn) and the throughput at the issue's GPU size
# (N = 3000 stocks x 361 factors, our PPO only). Meant for a borrowed GPU machine that has python3 with a
# CUDA torch, numpy, onnx, onnxruntime, numba, matplotlib, pyarrow and pytest, but no network.
#
#   bash benchmarks/gpu_check.sh --fetch   # here, with network: wheels of what the GPU machine lacks → .whl/
#   bash benchmarks/gpu_check.sh [OUT_DIR] # there: install .whl/ into a scratch dir, run both, logs in OUT_DIR
#
# .whl/ (about 55 MB: polars and its runtime, gymnasium) is git-ignored; carry it to the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--fetch" ]]; then
    polars=$(python3 -c "import polars; print(polars.__version__)")
    mkdir -p .whl
    for pkg in "polars==$polars" "polars-runtime-32==$polars" gymnasium farama-notifications; do
        python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
            --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
            -d .whl "$pkg"
    done
    ls -la .whl
    exit 0
fi

out=${1:-${OUT:-gpu_check_out}}
mkdir -p "$out"
site=$(mktemp -d)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$site" .whl/*.whl
export PYTHONPATH="$PWD/src:$site" PYTHONUNBUFFERED=1
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.__version__, torch.cuda.get_device_name())" \
    | tee "$out/device.txt"
status=0
python3 -m pytest -q -p no:cacheprovider tests/rl/test_accelerator.py 2>&1 | tee "$out/accelerator_tests.log" || status=1
python3 benchmarks/rl_throughput.py --device cuda --sizes 3000 --factors 361 --sb3-off 2>&1 \
    | tee "$out/rl_throughput_cuda.log" || status=1
exit $status
