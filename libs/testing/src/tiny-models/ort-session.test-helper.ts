import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { fromFloat16Array, toFloat16Array } from './float16';
import { acceptTypedArraysFromAnyRealm } from './typed-array-realm.patch';

acceptTypedArraysFromAnyRealm();

// Bound once: each lookup of a global such as `Math` is slow inside Jest's sandbox, and these loops see millions.
const { abs, sin } = Math;
const isFinite = Number.isFinite;

/** Helpers the tiny-model specs share: sessions on the CPU provider, tensors, comparisons, temp folders. */

export async function openSession(file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(file, { executionProviders: ['cpu'], logSeverityLevel: 3 });
}

export function f32(data: Float32Array | number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data instanceof Float32Array ? data : Float32Array.from(data), dims);
}

export function f16(data: Float32Array | number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('float16', toFloat16Array(data instanceof Float32Array ? data : Float32Array.from(data)), dims);
}

export function i64(values: number[], dims: number[] = [values.length]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
}

export function i32(values: number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('int32', Int32Array.from(values), dims);
}

/** A float output as float32 values, whatever its stored type. */
export function values(t: ort.Tensor): Float32Array {
  if (t.type === 'float16') return fromFloat16Array(t.data as Uint16Array);
  if (t.type !== 'float32') throw new Error(`not a float tensor: ${t.type}`);
  return t.data as Float32Array;
}

/** A smooth deterministic pattern (no randomness in tests). */
export function pattern(length: number, freq: number, amplitude = 1): Float32Array {
  return Float32Array.from({ length }, (_, i) => sin(i * freq + 0.3) * amplitude);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = abs(a[i] - b[i]);
    if (d > m || d !== d) m = d; // NaN propagates
  }
  return m;
}

export function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!isFinite(a[i])) return false;
  return true;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = abs(a[i]);
    if (v > m || v !== v) m = v;
  }
  return m;
}

/** CLIP ids of "a photo of a cat" (and of "a photo of a dog"), padded to 77 with `pad`. */
export function promptIds(animal: 'cat' | 'dog', pad = 49407): number[] {
  const ids = [49406, 320, 1125, 539, 320, animal === 'cat' ? 2368 : 1929, 49407];
  return [...ids, ...Array<number>(77 - ids.length).fill(pad)];
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'darkroom-tiny-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'darkroom-tiny-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
