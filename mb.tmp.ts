import { chwToRgb } from './libs/inference/src/engine/vae';
const chw = Float32Array.from({ length: 3 * 512 * 512 }, (_, i) => Math.sin(i));
for (let r = 0; r < 5; r++) { const t = performance.now(); chwToRgb(chw, 512, 512); console.log('chwToRgb', (performance.now() - t).toFixed(2)); }
function clamped(chw: Float32Array, width: number, height: number) {
  const plane = width * height; const data = new Uint8ClampedArray(plane * 3);
  for (let p = 0, o = 0; p < plane; p++, o += 3) { data[o] = (chw[p] + 1) * 127.5; data[o + 1] = (chw[plane + p] + 1) * 127.5; data[o + 2] = (chw[2 * plane + p] + 1) * 127.5; }
  return data;
}
for (let r = 0; r < 5; r++) { const t = performance.now(); clamped(chw, 512, 512); console.log('clamped', (performance.now() - t).toFixed(2)); }
