import * as path from 'node:path';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits } from './float16';
import { withTempDir } from './ort-session.test-helper';
import {
  encodeSafetensors,
  floatTensor,
  parseSafetensors,
  readSafetensors,
  SafetensorsError,
  tensorToFloat32,
  writeSafetensors,
} from './safetensors';

/** Builds a file from a raw header object and data bytes, for malformed-input cases. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerText: string | Uint8Array = JSON.stringify(header)): Uint8Array {
  const h = typeof headerText === 'string' ? Buffer.from(headerText, 'utf8') : headerText;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips tensors of several dtypes, shapes and metadata', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'x.safetensors');
      const weights = Float32Array.from([0.5, -1.25, 3, 1e-3, -0, 65504]);
      await writeSafetensors(
        file,
        {
          'a.weight': floatTensor([2, 3], weights),
          'b.half': floatTensor([3, 2], weights, 'F16'),
          'c.bf16': floatTensor([6], weights, 'BF16'),
          ids: { dtype: 'I64', shape: [2], data: BigInt64Array.of(-1n, 49407n) },
          flags: { dtype: 'U8', shape: [3], data: Uint8Array.of(1, 0, 255) },
          alpha: floatTensor([], Float32Array.of(4)),
          empty: floatTensor([0, 4], new Float32Array(0)),
        },
        { format: 'pt', note: 'ünïcode' },
      );
      const parsed = await readSafetensors(file);
      expect(parsed.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
      expect([...parsed.tensors.keys()].sort()).toEqual(['a.weight', 'alpha', 'b.half', 'c.bf16', 'empty', 'flags', 'ids']);
      const a = parsed.tensors.get('a.weight')!;
      expect(a.dtype).toBe('F32');
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(tensorToFloat32(a))).toEqual(Array.from(weights));
      expect(Array.from(tensorToFloat32(parsed.tensors.get('b.half')!))).toEqual([0.5, -1.25, 3, float16BitsToFloat32(float32ToFloat16Bits(1e-3)), -0, 65504]);
      expect(tensorToFloat32(parsed.tensors.get('c.bf16')!)[1]).toBe(-1.25);
      const ids = parsed.tensors.get('ids')!;
      expect(Array.from(new BigInt64Array(ids.data.slice().buffer))).toEqual([-1n, 49407n]);
      expect(Array.from(parsed.tensors.get('flags')!.data)).toEqual([1, 0, 255]);
      expect(parsed.tensors.get('alpha')!.shape).toEqual([]);
      expect(tensorToFloat32(parsed.tensors.get('alpha')!)[0]).toBe(4);
      expect(parsed.tensors.get('empty')!.data.byteLength).toBe(0);
    });
  });

  it('encodes deterministically with an 8-byte aligned data region and width-ordered tensors', () => {
    const tensors = {
      z: floatTensor([3], Float32Array.of(1, 2, 3), 'F16'),
      y: floatTensor([1], Float32Array.of(7)),
      x: { dtype: 'F64' as const, shape: [1], data: Float64Array.of(2) },
    };
    const a = encodeSafetensors(tensors);
    expect(Buffer.from(encodeSafetensors(tensors)).equals(Buffer.from(a))).toBe(true);
    const headerLength = Number(new DataView(a.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(Buffer.from(a.subarray(8, 8 + headerLength)).toString('utf8'));
    expect(header.x.data_offsets).toEqual([0, 8]);
    expect(header.y.data_offsets).toEqual([8, 12]);
    expect(header.z.data_offsets).toEqual([12, 18]);
    expect(a.byteLength).toBe(8 + headerLength + 18);
  });

  it('rejects an encoder input whose bytes do not match its shape', () => {
    expect(() => encodeSafetensors({ w: floatTensor([2, 2], Float32Array.of(1, 2, 3)) })).toThrow(SafetensorsError);
  });

  describe('rejects malformed files', () => {
    const four = new Uint8Array(4);
    const cases: [string, Uint8Array, RegExp][] = [
      ['shorter than 8 bytes', new Uint8Array(5), /shorter/],
      ['a header past the end', (() => {
        const f = rawFile({});
        new DataView(f.buffer).setBigUint64(0, 1000n, true);
        return f;
      })(), /past the end/],
      ['a huge header length', (() => {
        const f = rawFile({});
        new DataView(f.buffer).setBigUint64(0, 2n ** 62n, true);
        return f;
      })(), /exceeds/],
      ['invalid JSON', rawFile(null, four, '{"a": '), /invalid header/],
      ['a header that is not an object', rawFile(null, four, '[1, 2]'), /invalid header|not a JSON object/],
      ['invalid UTF-8', rawFile(null, four, Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d)), /invalid header/],
      ['an unknown dtype', rawFile({ w: { dtype: 'F7', shape: [1], data_offsets: [0, 4] } }, four), /unknown dtype/],
      ['a negative dimension', rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, four), /invalid shape/],
      ['a size that does not match the shape', rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, four), /bytes for shape/],
      ['offsets beyond the data', rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, four), /outside the data/],
      ['reversed offsets', rawFile({ w: { dtype: 'U8', shape: [0], data_offsets: [4, 0] } }, four), /outside the data/],
      ['a gap between tensors', rawFile({ w: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, four), /gap or overlap/],
      [
        'overlapping tensors',
        rawFile(
          { a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } },
          four,
        ),
        /gap or overlap/,
      ],
      ['bytes after the last tensor', rawFile({ w: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, four), /after the last tensor/],
      ['non-string metadata', rawFile({ __metadata__: { n: 1 } }), /not a string/],
    ];
    it.each(cases)('%s', (_label, bytes, message) => {
      expect(() => parseSafetensors(bytes)).toThrow(SafetensorsError);
      expect(() => parseSafetensors(bytes)).toThrow(message);
    });
  });

  it('accepts a header padded with spaces and reads views into the given buffer', () => {
    const data = Uint8Array.of(1, 2, 3, 4);
    const file = rawFile(null, data, `${JSON.stringify({ w: { dtype: 'U8', shape: [2, 2], data_offsets: [0, 4] } })}    `);
    const parsed = parseSafetensors(file);
    const w = parsed.tensors.get('w')!;
    expect(Array.from(w.data)).toEqual([1, 2, 3, 4]);
    expect(w.data.buffer).toBe(file.buffer);
  });
});

describe('float16 and bfloat16 conversion', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up to infinity
    [Infinity, 0x7c00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -26, 0x0000], // below half of it: zero
    [1 + 2 ** -11, 0x3c00], // tie → even
    [1 + 3 * 2 ** -11, 0x3c02], // tie → even (up)
    [0.1, 0x2e66],
  ])('%p → half 0x%s', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('round-trips every finite half value', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) !== 0x7c00 && float32ToFloat16Bits(float16BitsToFloat32(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
  });

  it('bfloat16 keeps the float32 exponent and rounds the mantissa', () => {
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(bfloat16BitsToFloat32(float32ToBfloat16Bits(-1.25))).toBe(-1.25);
    expect(Math.abs(bfloat16BitsToFloat32(float32ToBfloat16Bits(3e38)) / 3e38 - 1)).toBeLessThan(1 / 256);
    expect(Number.isNaN(bfloat16BitsToFloat32(float32ToBfloat16Bits(NaN)))).toBe(true);
  });
});
