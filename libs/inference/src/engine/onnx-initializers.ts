import { readFile } from 'node:fs/promises';
import { onnx } from 'onnx-proto';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16';

const { FLOAT, FLOAT16 } = onnx.TensorProto.DataType;

/**
 * An ONNX model held as protobuf with its named initializers, for weight edits (LoRA merges, new embedding rows).
 * Only inline float32/float16 initializers can be edited; weights stored as external data are refused.
 */
export class OnnxWeights {
  private readonly byName = new Map<string, onnx.ITensorProto>();

  private constructor(private readonly model: onnx.ModelProto) {
    for (const t of model.graph?.initializer ?? []) if (t.name) this.byName.set(t.name, t);
  }

  static async read(file: string): Promise<OnnxWeights> {
    return new OnnxWeights(onnx.ModelProto.decode(await readFile(file)));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Names of the float32/float16 initializers (the editable ones). */
  floatNames(): string[] {
    return [...this.byName].filter(([, t]) => t.dataType === FLOAT || t.dataType === FLOAT16).map(([n]) => n);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  dims(name: string): number[] {
    return (this.tensor(name).dims ?? []).map(Number);
  }

  /** The initializer's values as float32. */
  get(name: string): Float32Array {
    const t = this.tensor(name);
    // Copies: decoded raw data may be a view into a larger (pooled) buffer with any alignment.
    if (t.dataType === FLOAT) {
      if (t.rawData && t.rawData.length) return new Float32Array(new Uint8Array(t.rawData).buffer);
      return Float32Array.from(t.floatData ?? []);
    }
    if (t.dataType === FLOAT16) {
      const raw = t.rawData && t.rawData.length ? new Uint16Array(new Uint8Array(t.rawData).buffer) : Uint16Array.from(t.int32Data ?? []);
      const out = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = float16BitsToFloat32(raw[i]);
      return out;
    }
    throw new Error(`initializer ${name} has data type ${t.dataType}; only float32 and float16 can be edited`);
  }

  /** Replaces the initializer's values (same element count), stored in its own data type as raw data. */
  set(name: string, values: Float32Array): void {
    const t = this.tensor(name);
    const count = (t.dims ?? []).map(Number).reduce((a, b) => a * b, 1);
    if (values.length !== count) throw new Error(`initializer ${name}: ${values.length} values for ${count} elements`);
    if (t.dataType === FLOAT16) {
      const bits = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) bits[i] = float32ToFloat16Bits(values[i]);
      t.rawData = new Uint8Array(bits.buffer);
      t.int32Data = [];
    } else {
      t.rawData = new Uint8Array(values.slice().buffer);
      t.floatData = [];
    }
  }

  /** Replaces the initializer with new dims and values (float32 or its current float16 type). */
  replace(name: string, dims: number[], values: Float32Array): void {
    const t = this.tensor(name);
    t.dims = dims;
    this.set(name, values);
  }

  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(this.model).finish();
  }

  private tensor(name: string): onnx.ITensorProto {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no initializer named ${name}`);
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
      throw new Error(`initializer ${name} is stored as external data, which darkroom cannot edit yet`);
    }
    return t;
  }
}
