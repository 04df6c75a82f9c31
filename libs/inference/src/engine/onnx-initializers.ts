import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { externalLocation, readExternal, writeModelFolder, type ModelOnDisk } from './external-data';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16';

const { FLOAT, FLOAT16 } = onnx.TensorProto.DataType;
const BYTES_PER_ELEMENT: Record<number, number> = { [FLOAT]: 4, [FLOAT16]: 2 };

/**
 * An ONNX model held as protobuf with its named initializers, for weight edits (LoRA merges, new embedding rows).
 * float32/float16 initializers can be edited, inline or stored as external data (read from the file beside the
 * model; an edited one becomes inline until `toSource` writes the model).
 */
export class OnnxWeights {
  private readonly byName = new Map<string, onnx.ITensorProto>();
  /** Initializers that were external in the file and have been edited (inline now). */
  private readonly madeInline = new Set<string>();
  /** Whether the file keeps weights in external data (then the edited model is written as a folder). */
  private readonly hasExternalData: boolean;

  private constructor(
    private readonly model: onnx.ModelProto,
    private readonly dir: string,
  ) {
    for (const t of model.graph?.initializer ?? []) if (t.name) this.byName.set(t.name, t);
    this.hasExternalData = [...this.byName.values()].some((t) => externalLocation(t) !== undefined);
  }

  static async read(file: string): Promise<OnnxWeights> {
    return new OnnxWeights(onnx.ModelProto.decode(await readFile(file)), path.dirname(file));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Names of the float32/float16 initializers (the editable ones). */
  floatNames(): string[] {
    return [...this.byName].filter(([, t]) => t.dataType === FLOAT || t.dataType === FLOAT16).map(([n]) => n);
  }

  /**
   * Linear weights as torch.onnx.export leaves them: MatMul nodes whose second input is a float initializer
   * (directly, or through one Cast), with the node's name (`/<module path>/MatMul`) and the initializer ([in, out]).
   */
  matMulWeights(): Array<{ node: string; initializer: string }> {
    const nodes = this.model.graph?.node ?? [];
    const castOf = new Map<string, string>();
    for (const n of nodes) if (n.opType === 'Cast' && n.input?.[0] && n.output?.[0]) castOf.set(n.output[0], n.input[0]);
    const out: Array<{ node: string; initializer: string }> = [];
    for (const n of nodes) {
      if (n.opType !== 'MatMul' || !n.name || !n.input?.[1]) continue;
      const source = this.byName.has(n.input[1]) ? n.input[1] : castOf.get(n.input[1]);
      const t = source === undefined ? undefined : this.byName.get(source);
      if (t && (t.dataType === FLOAT || t.dataType === FLOAT16) && (t.dims?.length ?? 0) === 2) out.push({ node: n.name, initializer: source as string });
    }
    return out;
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
    const raw = () => {
      const loc = externalLocation(t);
      if (loc) return readExternal(this.dir, name, loc, this.elementCount(t) * (BYTES_PER_ELEMENT[t.dataType ?? 0] ?? 0));
      return t.rawData && t.rawData.length ? new Uint8Array(t.rawData) : undefined;
    };
    if (t.dataType === FLOAT) {
      const bytes = raw();
      return bytes ? new Float32Array(bytes.buffer) : Float32Array.from(t.floatData ?? []);
    }
    if (t.dataType === FLOAT16) {
      const bytes = raw();
      const raw16 = bytes ? new Uint16Array(bytes.buffer) : Uint16Array.from(t.int32Data ?? []);
      const out = new Float32Array(raw16.length);
      for (let i = 0; i < raw16.length; i++) out[i] = float16BitsToFloat32(raw16[i]);
      return out;
    }
    throw new Error(`initializer ${name} has data type ${t.dataType}; only float32 and float16 can be edited`);
  }

  /** Replaces the initializer's values (same element count), stored in its own data type as inline raw data. */
  set(name: string, values: Float32Array): void {
    const t = this.tensor(name);
    const count = this.elementCount(t);
    if (values.length !== count) throw new Error(`initializer ${name}: ${values.length} values for ${count} elements`);
    if (externalLocation(t)) {
      t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
      t.externalData = [];
      this.madeInline.add(name);
    }
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

  /**
   * The edited model for ONNX Runtime: its bytes when every weight is inline; for a model with external data, a
   * folder of its own (edited weights in a new external file, the base's files linked), removed by `cleanup`.
   */
  async toSource(): Promise<Uint8Array | ModelOnDisk> {
    return this.hasExternalData ? writeModelFolder(this.model, this.dir, this.madeInline) : this.toBytes();
  }

  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(this.model).finish();
  }

  private tensor(name: string): onnx.ITensorProto {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no initializer named ${name}`);
    return t;
  }

  private elementCount(t: onnx.ITensorProto): number {
    return (t.dims ?? []).map(Number).reduce((a, b) => a * b, 1);
  }
}
