import * as ort from 'onnxruntime-node';
import { fromFloat16, toFloat16 } from './float16';

/** What the engine needs to know of one graph input or output. */
export interface ValueInfo {
  name: string;
  /** ONNX Runtime's element type ('float32', 'float16', 'int64', 'int32', …); 'unknown' when the binding hides it. */
  type: string;
  /** Dimensions: numbers are fixed, strings are named dynamic axes; [] = scalar (or unknown). */
  shape: ReadonlyArray<number | string>;
}

/** Sum of the time spent inside `session.run` and the number of calls, for the overhead benchmark. */
export class RunStats {
  sessionRunMs = 0;
  calls = 0;
  readonly byComponent = new Map<string, { ms: number; calls: number }>();

  record(component: string, ms: number): void {
    this.sessionRunMs += ms;
    this.calls++;
    const c = this.byComponent.get(component) ?? { ms: 0, calls: 0 };
    c.ms += ms;
    c.calls++;
    this.byComponent.set(component, c);
  }

  reset(): void {
    this.sessionRunMs = 0;
    this.calls = 0;
    this.byComponent.clear();
  }
}

export type Feeds = Record<string, ort.Tensor>;
export type Outputs = Record<string, ort.Tensor>;

function metadataOf(session: ort.InferenceSession, which: 'input' | 'output'): ValueInfo[] {
  const meta = which === 'input' ? session.inputMetadata : session.outputMetadata;
  const names = which === 'input' ? session.inputNames : session.outputNames;
  // Older bindings have no metadata: fall back to names with unknown types.
  if (!Array.isArray(meta) || meta.length !== names.length) return names.map((name) => ({ name, type: 'unknown', shape: [] }));
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'unknown', shape: [] }));
}

/**
 * One loaded ONNX session with its input/output descriptions. `run` is the only way the engine calls ONNX Runtime,
 * so the time spent inside it can be measured (RunStats) against a whole job.
 */
export class OnnxComponent {
  readonly inputs: ReadonlyMap<string, ValueInfo>;
  readonly outputs: ReadonlyMap<string, ValueInfo>;
  private released = false;

  constructor(
    readonly label: string,
    private readonly session: ort.InferenceSession,
    private readonly stats?: RunStats,
  ) {
    this.inputs = new Map(metadataOf(session, 'input').map((v) => [v.name, v]));
    this.outputs = new Map(metadataOf(session, 'output').map((v) => [v.name, v]));
  }

  /** Opens a model file, or a model already in memory (e.g. with merged LoRA weights). */
  static async open(label: string, source: string | Uint8Array, options: ort.InferenceSession.SessionOptions, stats?: RunStats): Promise<OnnxComponent> {
    const session = typeof source === 'string' ? await ort.InferenceSession.create(source, options) : await ort.InferenceSession.create(source, options);
    return new OnnxComponent(label, session, stats);
  }

  hasInput(name: string): boolean {
    return this.inputs.has(name);
  }

  input(name: string): ValueInfo {
    const v = this.inputs.get(name);
    if (!v) throw new Error(`${this.label} has no input "${name}" (inputs: ${[...this.inputs.keys()].join(', ')})`);
    return v;
  }

  /** Whether the first axis of an input is dynamic (so any batch size runs). */
  dynamicBatch(name: string): boolean {
    const first = this.inputs.get(name)?.shape[0];
    return first === undefined || typeof first === 'string' || first < 0;
  }

  /** The fixed batch size of an input, or undefined when dynamic. */
  fixedBatch(name: string): number | undefined {
    const first = this.inputs.get(name)?.shape[0];
    return typeof first === 'number' && first > 0 ? first : undefined;
  }

  async run(feeds: Feeds, fetch?: readonly string[]): Promise<Outputs> {
    if (this.released) throw new Error(`${this.label}: session already released`);
    const started = performance.now();
    const out = fetch ? await this.session.run(feeds, fetch) : await this.session.run(feeds);
    this.stats?.record(this.label, performance.now() - started);
    return out as Outputs;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

/** A float tensor in the input's element type (float16 inputs get converted bits). */
export function floatTensor(info: ValueInfo, data: Float32Array, dims: readonly number[]): ort.Tensor {
  if (info.type === 'float16') return new ort.Tensor('float16', toFloat16(data), dims);
  return new ort.Tensor('float32', data, dims);
}

/** Integer ids in the input's element type (int32 or int64). */
export function idsTensor(info: ValueInfo, ids: ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  if (info.type === 'int64') {
    const out = new BigInt64Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i]);
    return new ort.Tensor('int64', out, dims);
  }
  return new ort.Tensor('int32', Int32Array.from(ids), dims);
}

/**
 * The UNet's timestep: int64 (rounded), float32 or float16, as a scalar or a [n] vector depending on the export.
 * A rank-1 input gets as many copies as its fixed length, else a single value that broadcasts over the batch.
 */
export function timestepTensor(info: ValueInfo, t: number): ort.Tensor {
  const rank = info.shape.length;
  const fixed = rank === 1 && typeof info.shape[0] === 'number' && info.shape[0] > 0 ? info.shape[0] : undefined;
  const n = rank === 0 ? 1 : (fixed ?? 1);
  const dims = rank === 0 ? [] : [n];
  if (info.type === 'int64') return new ort.Tensor('int64', new BigInt64Array(n).fill(BigInt(Math.round(t))), dims);
  if (info.type === 'int32') return new ort.Tensor('int32', new Int32Array(n).fill(Math.round(t)), dims);
  const values = new Float32Array(n).fill(t);
  return info.type === 'float16' ? new ort.Tensor('float16', toFloat16(values), dims) : new ort.Tensor('float32', values, dims);
}

/** A float output as float32 values, whatever its stored element type. */
export function floatData(t: ort.Tensor): Float32Array {
  if (t.type === 'float16') return fromFloat16(t.data as Uint16Array);
  if (t.type === 'float32') return t.data as Float32Array;
  throw new Error(`expected a float tensor, got ${t.type}`);
}
