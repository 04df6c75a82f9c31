import { readFile } from 'node:fs/promises';
import { float16BitsToFloat32 } from './float16';

/**
 * A small safetensors reader for LoRA and embedding files: 8-byte little-endian header length, a JSON header
 * (`name → {dtype, shape, data_offsets}` plus optional `__metadata__`), then the data. Float tensors (F32, F16, BF16,
 * F64) are returned as float32.
 */

export interface SafetensorsTensorInfo {
  dtype: string;
  shape: number[];
  /** Byte range inside the data region. */
  begin: number;
  end: number;
}

export interface SafetensorsContents {
  tensors: Map<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
  /** Float values of a tensor (throws for unknown names or non-float dtypes). */
  floats(name: string): Float32Array;
}

const WIDTH: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER = 100_000_000;

export class SafetensorsFormatError extends Error {}

export function parseSafetensorsBytes(bytes: Uint8Array, label = 'safetensors'): SafetensorsContents {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new SafetensorsFormatError(`${label}: too short`);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) throw new SafetensorsFormatError(`${label}: bad header length`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8'));
  } catch {
    throw new SafetensorsFormatError(`${label}: header is not JSON`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsFormatError(`${label}: header is not an object`);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, SafetensorsTensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const width = typeof v.dtype === 'string' ? WIDTH[v.dtype] : undefined;
    const offsets = v.data_offsets;
    if (!width || !Array.isArray(v.shape) || !Array.isArray(offsets) || offsets.length !== 2) {
      throw new SafetensorsFormatError(`${label}: bad entry for ${name}`);
    }
    const shape = v.shape as number[];
    const [begin, end] = offsets as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    if (!(begin >= 0 && end <= dataLength && end - begin === count * width)) throw new SafetensorsFormatError(`${label}: bad offsets for ${name}`);
    tensors.set(name, { dtype: v.dtype as string, shape, begin, end });
  }
  const floats = (name: string): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new SafetensorsFormatError(`${label}: no tensor ${name}`);
    const start = bytes.byteOffset + dataStart + t.begin;
    const n = (t.end - t.begin) / WIDTH[t.dtype];
    const dv = new DataView(bytes.buffer, start, t.end - t.begin);
    const out = new Float32Array(n);
    if (t.dtype === 'F32') for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
    else if (t.dtype === 'F16') for (let i = 0; i < n; i++) out[i] = float16BitsToFloat32(dv.getUint16(i * 2, true));
    else if (t.dtype === 'BF16') {
      const u = new Uint32Array(1);
      const f = new Float32Array(u.buffer);
      for (let i = 0; i < n; i++) {
        u[0] = dv.getUint16(i * 2, true) << 16;
        out[i] = f[0];
      }
    } else if (t.dtype === 'F64') for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
    else throw new SafetensorsFormatError(`${label}: ${name} is ${t.dtype}, not a float tensor`);
    return out;
  };
  return { tensors, metadata, floats };
}

export async function readSafetensorsFile(file: string): Promise<SafetensorsContents> {
  return parseSafetensorsBytes(await readFile(file), file);
}
