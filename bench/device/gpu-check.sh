#!/usr/bin/env bash
# The GPU check, one `device` call (its machine gets the working tree and the carried `.device` folder, no
# node_modules and no network): unpacks the bundle that `scripts/device-bundle.sh` made here, puts Debian's Vulkan
# loader in place for ONNX Runtime's WebGPU provider (Dawn over the NVIDIA Vulkan driver), then runs the engine
# benchmarks on the GPU. Figures go to stdout and to $OUT. Estimated 5–8 minutes; call with timeout_s 600:
#   run(command: "bash bench/device/gpu-check.sh", carry: [".device"], timeout_s: 600)
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/darkroom-gpu-out}
work=/tmp/darkroom-gpu
mkdir -p "$out" "$work"

python3 -c "import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" .device/bundle.tar.xz "$work" || tar -C "$work" -xJf .device/bundle.tar.xz
for deb in .device/debs/*.deb; do [ -f "$deb" ] && dpkg -x "$deb" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; fi

{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  nproc
} 2>&1 | tee "$out/machine.txt"

node=$work/darkroom/node
app=$work/darkroom/app
# Tiny and mid-size models on WebGPU (overhead ratio, images/s), then the same on the machine's 16 CPU cores.
EP=webgpu timeout 150 "$node" "$app/engine-overhead.bench.js" 2>&1 | tee "$out/engine-overhead-webgpu.txt"
EP=cpu TP_REPS=1 timeout 120 "$node" "$app/engine-overhead.bench.js" 2>&1 | tee "$out/engine-overhead-cpu.txt"
# SD1.5 at real size (859,520,964 weights, float16): 20 and 50 steps at 512², engine vs raw session.run loop.
EP=webgpu timeout 300 "$node" "$app/sd15-unet.bench.js" 2>&1 | tee "$out/sd15-unet-webgpu.txt"
