#!/usr/bin/env bash
# The GPU benchmark, run inside the unpacked pack (made by `npm run bench:gpu:pack`): the
# project's metamer loop on WebGPU (the packed Node + Dawn) next to PyTorch on the same weights
# and stages, then the ratios. Needs: Linux x86-64, python3 with torch and numpy (CUDA for the
# real measurement), a Vulkan driver for the GPU. No network.
#
#   bash run.sh [OUT_DIR]        # default: $OUT if set, else ./results
#
# Environment: STEPS (timed steps per case, default 30), WARMUP (default 3), MODELS (built-in
# model ids, comma separated; default all), PYTHON (default python3), WORK (scratch folder for
# the ONNX exports, ~350 MB; default a temporary folder), DRY_RUN=1 (a check of the whole path
# on a machine without a GPU: software WebGPU (SwiftShader), PyTorch on the CPU, narrow ONNX
# models, 3 steps).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
RESULTS="${1:-${OUT:-$HERE/results}}"
PYTHON="${PYTHON:-python3}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$RESULTS" "$WORK"
RESULTS="$(cd "$RESULTS" && pwd)"

STEPS="${STEPS:-30}"
WARMUP="${WARMUP:-3}"
NODE_FLAGS=()
TORCH_FLAGS=()
COCH_REPEATS="${COCH_REPEATS:-10}"
if [ "${DRY_RUN:-0}" = 1 ]; then
  STEPS="${STEPS_DRY:-3}"; WARMUP=1; COCH_REPEATS="${COCH_REPEATS_DRY:-1}"
  NODE_FLAGS+=(--allow-software-gpu)
  TORCH_FLAGS+=(--small --device cpu --threads 1)
fi
[ -n "${MODELS:-}" ] && NODE_FLAGS+=(--models "$MODELS")

unxz_to() { # unxz_to FILE.xz DEST: xz if present, else Python's lzma
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2.tmp"; else "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2.tmp"; fi
  mv "$2.tmp" "$2"
}

# 1. The packed Node and Dawn binding, unpacked once.
BIN="$HERE/unpacked"
mkdir -p "$BIN"
[ -x "$BIN/node" ] || { unxz_to "$HERE/node.xz" "$BIN/node"; chmod +x "$BIN/node"; }
DAWN="$HERE/app/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$DAWN" ] || unxz_to "$DAWN.xz" "$DAWN"

# 2. The Vulkan loader: the system's, else the packed Debian libvulkan1. Drivers: the system's
#    ICDs; the NVIDIA container folder is found by the project itself (src/platform/vulkan-loader.ts).
# NVIDIA containers keep the driver's libraries (which its Vulkan ICD names) in /usr/local/nvidia/lib64.
if [ -d /usr/local/nvidia/lib64 ] && [[ ":${LD_LIBRARY_PATH:-}:" != *":/usr/local/nvidia/lib64:"* ]]; then
  export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/nvidia/lib64"
fi
if ! { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; }; then
  export METAMER_VULKAN_LOADER="${METAMER_VULKAN_LOADER:-$HERE/lib/libvulkan.so.1}"
fi

{
  echo "$(uname -srm), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/GPU: /'
  echo "Vulkan loader: ${METAMER_VULKAN_LOADER:-system}; VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:+ VK_DRIVER_FILES=$VK_DRIVER_FILES}"
} > "$RESULTS/machine.txt" || true
sed 's/^/# /' "$RESULTS/machine.txt"

# 3. PyTorch: builds and exports the ONNX models (seeded weights), then times its loops.
echo "# PyTorch ($PYTHON)"
"$PYTHON" "$HERE/torch_bench.py" --onnx-dir "$WORK/onnx" --models-dir "$HERE/models" --out "$RESULTS/torch.json" \
  --steps "$STEPS" --warmup "$WARMUP" --cochleagram-repeats "$COCH_REPEATS" ${TORCH_FLAGS[@]+"${TORCH_FLAGS[@]}"} 2>&1 | tee "$RESULTS/torch.log"

# 4. The project on WebGPU: the same ONNX files, every built-in model, the cochleagram.
echo "# WebGPU (packed Node $("$BIN/node" --version))"
"$BIN/node" "$HERE/app/bench.mjs" --models-dir "$HERE/models" --onnx-dir "$WORK/onnx" --out "$RESULTS/webgpu.json" \
  --steps "$STEPS" --warmup "$WARMUP" --cochleagram-repeats "$COCH_REPEATS" ${NODE_FLAGS[@]+"${NODE_FLAGS[@]}"} 2>&1 | tee "$RESULTS/webgpu.log"

# 5. Ratios and goals: results-gpu.json / results-gpu.md.
"$PYTHON" "$HERE/compare.py" "$RESULTS/webgpu.json" "$RESULTS/torch.json" "$RESULTS" "$RESULTS/machine.txt"
echo "# results in $RESULTS (results-gpu.md, results-gpu.json, the raw webgpu.json / torch.json and logs)"
