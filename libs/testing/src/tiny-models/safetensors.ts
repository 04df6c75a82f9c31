import { readFile, writeFile } from 'node:fs/promises';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits } from './float16';

/**
 * The safetensors container: 8-byte little-endian header length N, N bytes of JSON header
 * (`name → { dtype, shape, data_offsets: [begin, end] }` plus an optional `__metadata__` string map), then the
 * tensor bytes. The reader validates like the reference implementation: header within the file and at most 100 MB,
 * known dtypes, byte sizes matching shapes, and offsets that tile the data region exactly (no gaps, no overlap,
 * nothing past the end). Tensor data are views into the file's bytes, not copies.
 */

export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's bytes (little-endian), a view into the parsed buffer. */
  data: Uint8Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In file order (ascending offsets). */
  tensors: Map<string, SafetensorsTensor>;
}

export function parseSafetensors(input: Uint8Array): SafetensorsFile {
  // A plain Uint8Array view even when given a Buffer, whose slice() would not copy.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.byteLength < 8) throw new SafetensorsError('file shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`header of ${headerLength} bytes exceeds ${MAX_HEADER_BYTES}`);
  const n = Number(headerLength);
  if (8 + n > bytes.byteLength) throw new SafetensorsError(`header of ${n} bytes runs past the end of the file`);

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (!text.startsWith('{')) throw new Error('header does not start with "{"');
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`invalid header: ${(e as Error).message}`);
  }
  if (!isPlainObject(header)) throw new SafetensorsError('header is not a JSON object');

  const dataStart = 8 + n;
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];

  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(raw)) throw new SafetensorsError('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (!isPlainObject(raw)) throw new SafetensorsError(`${name}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = raw;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw new SafetensorsError(`${name}: unknown dtype ${String(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) throw new SafetensorsError(`${name}: invalid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw new SafetensorsError(`${name}: invalid data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) throw new SafetensorsError(`${name}: data_offsets [${begin}, ${end}] outside the data`);
    const elements = shape.reduce((a: number, b: number) => a * b, 1);
    const size = elements * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (!Number.isSafeInteger(size) || size !== end - begin) {
      throw new SafetensorsError(`${name}: ${end - begin} bytes for shape [${shape.join(',')}] of ${dtype}`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    if (e.begin !== expected) throw new SafetensorsError(`${e.name}: data_offsets leave a gap or overlap at byte ${expected}`);
    expected = e.end;
    tensors.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, data: bytes.subarray(dataStart + e.begin, dataStart + e.end) });
  }
  if (expected !== dataLength) throw new SafetensorsError(`${dataLength - expected} bytes after the last tensor`);
  return { metadata, tensors };
}

export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  return parseSafetensors(await readFile(file));
}

/** A floating-point tensor's values as float32 (F32, F16, BF16, F64); copies, so alignment never matters. */
export function tensorToFloat32(t: SafetensorsTensor): Float32Array {
  const count = t.data.byteLength / DTYPE_BYTES[t.dtype];
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(count);
  switch (t.dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = float16BitsToFloat32(view.getUint16(2 * i, true));
      break;
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = bfloat16BitsToFloat32(view.getUint16(2 * i, true));
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    default:
      throw new SafetensorsError(`${t.name}: ${t.dtype} is not a float dtype`);
  }
  return out;
}

export interface SafetensorsInput {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw little-endian bytes, or any typed array whose bytes already are the tensor's encoding. */
  data: ArrayBufferView;
}

/** A float tensor stored as F32, F16 or BF16 from float32 values. */
export function floatTensor(shape: number[], values: Float32Array, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): SafetensorsInput {
  if (dtype === 'F32') return { dtype, shape, data: values };
  const convert = dtype === 'F16' ? float32ToFloat16Bits : float32ToBfloat16Bits;
  return { dtype, shape, data: Uint16Array.from(values, (v) => convert(v)) };
}

/**
 * Encodes tensors (ordered by dtype width, widest first, then name, so every tensor stays aligned to its width) and
 * metadata. Deterministic: same input, same bytes.
 */
export function encodeSafetensors(tensors: Record<string, SafetensorsInput>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => {
    const w = DTYPE_BYTES[tensors[b].dtype] - DTYPE_BYTES[tensors[a].dtype];
    return w !== 0 ? w : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new SafetensorsError(`${METADATA_KEY} is reserved`);
    const t = tensors[name];
    const size = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
    if (size !== t.data.byteLength) {
      throw new SafetensorsError(`${name}: ${t.data.byteLength} bytes for shape [${t.shape.join(',')}] of ${t.dtype}`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(headerBytes.byteLength / 8) * 8; // keeps the data region 8-byte aligned
  headerBytes = Buffer.concat([headerBytes, Buffer.alloc(padded - headerBytes.byteLength, 0x20)]);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(headerBytes, 8);
  let at = 8 + padded;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

export async function writeSafetensors(
  file: string,
  tensors: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFile(file, encodeSafetensors(tensors, metadata));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
