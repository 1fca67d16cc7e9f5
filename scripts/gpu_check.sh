#!/usr/bin/env bash
# The device check: on a machine with NVIDIA GPUs, builds the training stages and
# reports, in a few minutes:
#   1. the NCCL all-reduce test (tests/mpi/sum_allreduce_test) on 1 GPU and on all GPUs;
#   2. ViT-B/16 pretraining (lua/base.lua: CLIP ViT-B/16 at 224, PAB over 12 layers, DINO
#      head of 65,536 prototypes, views 3 x 8 x 224 + 8 x 96) at the paper's batch of 16
#      clips per GPU (128 on 8), bf16: step time, the split of a step, and model FLOP
#      utilisation, on 1 GPU and on all;
#   3. the loader's clips/s (bench/loader_bench, 1..8 workers) against what a step consumes;
#   4. fine-tuning (ViT-B/16 + PAB + CLIP text classifier, trained backbone) at the paper's
#      4 clips per GPU (32 on 8): step time.
# Weights are random (no download): times do not depend on them. The clips are
# dap-synth-shards' synthetic dark scenes at 224 px, 16 stored frames.
#
# What the machine needs:
#   - an NVIDIA driver, the CUDA toolkit (nvcc's headers and libcudart), CMake >= 3.18, a C++17
#     compiler, ninja or make;
#   - a libtorch built with CUDA: the one inside a PyTorch wheel will do (python3 -c 'import
#     torch' must work; its share/cmake/Torch is used), or Torch_DIR=<libtorch>/share/cmake/Torch;
#   - NCCL: the wheel's nvidia-nccl package, a system NCCL, or DAP_NCCL_ROOT;
#   - OpenMPI, HDF5 (C), Lua 5.4, CLI11, spdlog, nlohmann-json, libpng, FreeType, ICU, OpenSSL,
#     zlib, GoogleTest: from the system, or unpacked Debian packages carried along in
#     DAP_GPU_DEPS (default .gpu_deps; scripts/gpu_deps.sh makes it on a Debian 12 machine).
#     FFmpeg is not needed: the build is DAP_TRAINING_ONLY.
#
#   scripts/gpu_check.sh                 the whole check; report in $DAP_GPU_CHECK_OUT/report.txt
#   DAP_GPU_CHECK_SMOKE=1 scripts/gpu_check.sh   the same steps on the CPU at toy sizes with an
#                                        existing build (checks the script itself, not a GPU)
# Environment: DAP_GPU_CHECK_OUT (default out/gpu_check), DAP_GPU_CHECK_BUILD (default
# build-gpu; an existing build there is reused), DAP_GPU_CHECK_STEPS (measured steps, default 5),
# DAP_GPU_PEAK_TFLOPS (dense bf16 peak per GPU for the utilisation; default from the GPU's name).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="${DAP_GPU_CHECK_OUT:-$repo/out/gpu_check}"
build="${DAP_GPU_CHECK_BUILD:-$repo/build-gpu}"
deps="${DAP_GPU_DEPS:-$repo/.gpu_deps}"
steps="${DAP_GPU_CHECK_STEPS:-5}"
smoke="${DAP_GPU_CHECK_SMOKE:-0}"
warmup=2
mkdir -p "$out"
exec > >(tee "$out/report.txt") 2>&1
started=$SECONDS
section() { printf '\n== %s (%d s)\n' "$1" $((SECONDS - started)); }
mpirun_() { mpirun --allow-run-as-root --oversubscribe --bind-to none "$@"; }

section "machine"
if ((smoke)); then
  gpus=1 device=cpu
  echo "SMOKE RUN on the CPU at toy sizes: checks this script, measures nothing about GPUs"
else
  command -v nvidia-smi >/dev/null || { echo "gpu_check: nvidia-smi not found: no NVIDIA driver" >&2; exit 2; }
  nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader
  gpus=$(nvidia-smi -L | wc -l) device=cuda
  gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
fi
echo "cores: $(nproc)"
command -v nvcc >/dev/null && nvcc --version | tail -1 || echo "nvcc: not on PATH"
python3 -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null ||
  echo "python torch: not importable"

# Dependencies carried as unpacked Debian packages (scripts/gpu_deps.sh).
if [[ -d "$deps/usr" ]]; then
  echo "carried libraries: $deps"
  arch=x86_64-linux-gnu
  export CMAKE_PREFIX_PATH="$deps/usr:$deps/usr/lib/$arch/cmake${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  export PKG_CONFIG_PATH="$deps/usr/lib/$arch/pkgconfig:$deps/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export LD_LIBRARY_PATH="$deps/usr/lib/$arch:$deps/usr/lib/$arch/openmpi/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH="$deps/usr/bin:$PATH"
  export OPAL_PREFIX="$deps/usr" OMPI_MCA_plm_rsh_agent=""  # a relocated Open MPI, one node
  export CPATH="$deps/usr/include:$deps/usr/include/$arch:$deps/usr/include/hdf5/serial${CPATH:+:$CPATH}"
  export HDF5_ROOT="$deps/usr/lib/$arch/hdf5/serial"
fi

section "build ($build)"
if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
  args=(-DCMAKE_BUILD_TYPE=Release -DDAP_TRAINING_ONLY=ON -DDAP_WITH_NCCL=ON)
  if [[ -z "${Torch_DIR:-}" ]]; then
    Torch_DIR=$(python3 -c 'import os, torch; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))')
  fi
  args+=("-DTorch_DIR=$Torch_DIR")
  nccl_wheel=$(python3 -c 'import nvidia.nccl, os; print(list(nvidia.nccl.__path__)[0])' 2>/dev/null || true)
  [[ -n "${DAP_NCCL_ROOT:-$nccl_wheel}" ]] && args+=("-DDAP_NCCL_ROOT=${DAP_NCCL_ROOT:-$nccl_wheel}")
  generator=(-G Ninja)
  command -v ninja >/dev/null || generator=(-G "Unix Makefiles")
  cmake -S "$repo" -B "$build" "${generator[@]}" "${args[@]}" | grep -E "^-- dap|Error" || true
fi
cmake --build "$build" -j "$(nproc)" --target dap-pretrain dap-finetune dap-synth-shards loader_bench sum_allreduce_test
bin="$build/bin"

section "1. NCCL all-reduce test (tests/mpi/sum_allreduce_test)"
for ranks in 1 "$gpus"; do
  echo "-- $ranks rank(s):"
  mpirun_ -np "$ranks" "$bin/sum_allreduce_test" --gtest_color=no 2>&1 | grep -E "^\[ +(OK|SKIPPED|FAILED) +\] [A-Za-z]+\.[A-Za-z]+ \(" || true
  ((gpus > 1)) || break
done

size=224 local_size=96 frames=8 stored=16 batch_per_gpu=16 finetune_per_gpu=4
config=(--config "$repo/lua/base.lua")
if ((smoke)); then
  size=32 local_size=16 frames=4 stored=8 batch_per_gpu=2 finetune_per_gpu=2
  config=(--config "$repo/lua/pretrain_tiny.lua")
fi
section "synthetic clips (dap-synth-shards, $size px, $stored frames)"
clips=$((batch_per_gpu * gpus * 2))  # two steps' worth per epoch
writers=$(( $(nproc) < 16 ? $(nproc) : 16 ))
((writers > clips / batch_per_gpu)) && writers=$((clips / batch_per_gpu))  # a folder holds a batch at least
per=$(( (clips + writers - 1) / writers ))
folders=() pids=()
for ((w = 0; w < writers; ++w)); do
  folder="$out/shards/${size}px_${stored}f_part$w"
  folders+=("$folder")
  if [[ ! -f "$folder/index.json" ]]; then
    "$bin/dap-synth-shards" --out "$folder" --videos "$per" --frames "$stored" --size "$size" --seed "$w" >/dev/null &
    pids+=($!)
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done  # not a bare wait: that would wait for tee too
shards=$(printf '"%s",' "${folders[@]}")
shards="{${shards%,}}"
echo "$((per * writers)) clips in ${#folders[@]} folders under $out/shards"

# One training run; prints its mean step and phases (after the warm-up) as JSON.
train() {
  local stage=$1 name=$2 ranks=$3 batch=$4
  shift 4
  rm -rf "$out/runs/$name"
  mpirun_ -np "$ranks" "$bin/dap-$stage" "${config[@]}" "run.root=$out/runs" "run.name=$name" \
    "$stage.device=$device" "$stage.precision=bf16" "$stage.optim.max_steps=$((steps + warmup))" \
    "$stage.log_every_steps=1" "$stage.checkpoint.every_steps=1000000000" "$stage.checkpoint.resume=false" \
    "$stage.data.shards=$shards" "$stage.optim.global_batch=$batch" "$@" >"$out/$name.log" 2>&1 ||
    { tail -20 "$out/$name.log"; echo "gpu_check: $stage $name failed (log: $out/$name.log)" >&2; return 1; }
  local metrics
  metrics=$(find "$out/runs/$name/$stage" -name metrics.jsonl | head -1)  # fine-tuning: under seed<N>/
  python3 - "$metrics" "$warmup" "$batch" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
kept = [l for l in lines if l["step"] > int(sys.argv[2])]
mean = lambda values: sum(values) / len(values)
# Seconds per step from the clips/s of each line (lines are one step each); pretraining
# also logs the split of its steps.
result = {"step": mean([int(sys.argv[3]) / l["clips_per_s"] for l in kept])}
result["data_wait"] = mean([l["data_wait_fraction"] for l in kept]) * result["step"]
for key in kept[0].get("seconds", {}):
    if key != "step":
        result[key] = mean([l["seconds"][key] for l in kept])
print(json.dumps(result))
EOF
}

# Model FLOPs of one pretraining clip: the frozen backbone's forward over 3 x 8 frames at 224
# and 8 at 96 (matrix products only, multiply-add = 2); the adaptation block, head and
# backward add a few percent, left out (so the utilisation is a lower bound).
vit_flops() {
  python3 - "$1" "$2" <<'EOF'
import sys
size, frames = int(sys.argv[1]), int(sys.argv[2])
def per_frame(size, patch=16, width=768, layers=12, out=512):
    n = (size // patch) ** 2 + 1
    return 2 * ((n - 1) * width * 3 * patch * patch + layers * (12 * n * width * width + 2 * n * n * width) + width * out)
print(3 * frames * per_frame(size) + frames * per_frame(96 if size == 224 else size // 2))
EOF
}

peak=${DAP_GPU_PEAK_TFLOPS:-}
if [[ -z "$peak" && "$device" == cuda ]]; then
  case "$gpu_name" in
    *H100*|*H200*|*GH200*) peak=989 ;;  # dense BF16, SXM (NVIDIA data sheets)
    *A100*) peak=312 ;;
    *) peak=0 ;;
  esac
fi

section "2. pretraining step, bf16, $batch_per_gpu clips per GPU"
workers=$(( $(nproc) / gpus )); ((workers > 8)) && workers=8; ((workers < 1)) && workers=1
pretrain_results=()
for ranks in 1 "$gpus"; do
  batch=$((batch_per_gpu * ranks))
  result=$(train pretrain "pretrain_${ranks}gpu" "$ranks" "$batch" "pretrain.loader.workers=$workers" \
           "pretrain.threads.intra_op=2")
  pretrain_results+=("$ranks $batch $result")
  echo "$ranks GPU(s), global batch $batch: $result"
  ((gpus > 1)) || break
done
flops=$(vit_flops "$size" "$frames")
python3 - "$flops" "${peak:-0}" "${pretrain_results[@]}" <<'EOF'
import json, sys
flops, peak = float(sys.argv[1]), float(sys.argv[2])
print(f"model FLOPs per clip (backbone forward, 4 views): {flops / 1e9:.1f} GFLOP")
for entry in sys.argv[3:]:
    ranks, batch, seconds = entry.split(" ", 2)
    s = json.loads(seconds)
    step = s["step"]
    line = f"{ranks} GPU(s): {1000 * step:.1f} ms/step, {int(batch) / step:.1f} clips/s"
    if peak > 0:
        line += f", MFU {100 * int(batch) * flops / step / (int(ranks) * peak * 1e12):.1f}% of {peak:.0f} TFLOP/s per GPU"
    line += " | " + ", ".join(f"{k} {1000 * v:.1f} ms" for k, v in s.items() if k != "step")
    print(line)
EOF

section "3. loader clips/s (bench/loader_bench, one folder) against the step's consumption"
for w in 1 2 4 8; do
  ((w <= $(nproc))) || break
  "$bin/loader_bench" "${folders[0]}" "$w" "$size" "$local_size" "$frames" "$(( per < 4 ? per : 4 ))" 10 | tail -1
done
echo "a step on 1 GPU consumes $batch_per_gpu clips; clips/s needed = $batch_per_gpu / (step seconds above)"

section "4. fine-tuning step, bf16, $finetune_per_gpu clips per GPU (trained backbone, CLIP text head)"
for ranks in 1 "$gpus"; do
  batch=$((finetune_per_gpu * ranks))
  result=$(train finetune "finetune_${ranks}gpu" "$ranks" "$batch" "finetune.init_adapter=none" \
           "finetune.loader.workers=$workers" "finetune.threads.intra_op=2")
  echo "$ranks GPU(s), global batch $batch: $result"
  ((gpus > 1)) || break
done

section "done"
echo "report: $out/report.txt"
