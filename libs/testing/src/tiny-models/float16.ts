/**
 * Half-float conversions are the engine's (one implementation for writing test models and for running them);
 * bfloat16, which only the kit's safetensors files need, is here. Round to nearest even.
 */
export {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  fromFloat16 as fromFloat16Array,
  toFloat16 as toFloat16Array,
} from '@darkroom/inference';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40; // keep NaN a NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bfloat16BitsToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}
