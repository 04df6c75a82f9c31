import { float16BitsToFloat32, float32ToFloat16Bits, fromFloat16, toFloat16 } from './float16';

describe('float16', () => {
  it('converts known values exactly (round to nearest even)', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up to Inf
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway to zero: ties to even
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and the next half: even
      [1 + 3 * 2 ** -11, 0x3c02],
      [Infinity, 0x7c00],
    ];
    for (const [value, bits] of cases) expect([value, float32ToFloat16Bits(value)]).toEqual([value, bits]);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
  });

  it('round-trips every finite half value', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const back = toFloat16(fromFloat16(bits));
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) {
      const exp = (i >>> 10) & 0x1f;
      if (exp === 0x1f && i & 0x3ff) continue; // NaN payloads are not kept
      if (back[i] !== i) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});
