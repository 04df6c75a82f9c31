/**
 * IEEE 754 half precision ↔ float32 for fp16 exports (onnxruntime-node takes and returns float16 tensors as
 * Uint16Array bit patterns). Round to nearest even, as numpy's astype(float16) does.
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

export function float32ToFloat16Bits(value: number): number {
  scratch[0] = value;
  const x = scratchBits[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let r = mant >>> shift;
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++; // a carry into the exponent is still the right value
  return sign | r;
}

// 65,536 entries: decoding is a table lookup.
let decodeTable: Float32Array | undefined;

function table(): Float32Array {
  if (decodeTable) return decodeTable;
  const t = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exp = (bits >>> 10) & 0x1f;
    const mant = bits & 0x3ff;
    if (exp === 0) t[bits] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) t[bits] = mant ? NaN : sign * Infinity;
    else t[bits] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  decodeTable = t;
  return t;
}

export function float16BitsToFloat32(bits: number): number {
  return table()[bits & 0xffff];
}

export function toFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

export function fromFloat16(bits: Uint16Array): Float32Array {
  const t = table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}
