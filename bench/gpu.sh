#!/bin/sh
# The GPU checks and benchmarks in one go (a few minutes), on a CUDA machine whose python3 holds
# PyTorch: the CUDA tests, then `python -m bench --device cuda` (the engine, the data path, the
# limits, layer health, and DDP over NCCL where there are two GPUs or more). Python packages that
# machine lacks (pydantic, say) can wait as wheels in .whl/: they are installed beside it first.
#
# Usage: sh bench/gpu.sh [FOLDER]   (the logs and result tables are copied to FOLDER as well)
set -u
folder=${1:-bench/results}
mkdir -p "$folder"
export PYTHONUNBUFFERED=1 QT_QPA_PLATFORM=offscreen
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$folder/gpu-machine.txt"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.device_count(), "GPU(s)")' \
    2>&1 | tee -a "$folder/gpu-machine.txt"
python3 -m pytest -q -p no:cacheprovider tests/engine/test_cuda.py tests/engine/test_strategy.py 2>&1 | tee "$folder/gpu-tests.log"
python3 -m bench --device cuda ${QUICK:+--quick} 2>&1 | tee "$folder/gpu-bench.log"
cp bench/results/latest-cuda.md "$folder/" 2>/dev/null
exit 0
