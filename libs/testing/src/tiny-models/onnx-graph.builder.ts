import { onnx } from 'onnx-proto';
import { toFloat16Array } from './float16';
import { Prng } from './prng';

/** Element types the tiny models use at their inputs and outputs. */
export type TensorType = 'float32' | 'float16' | 'int32' | 'int64';
/** A dimension: a fixed size or a symbolic (dynamic) name such as `batch_size`. */
export type Dim = number | string;

export interface TensorSpec {
  name: string;
  type: TensorType;
  dims: Dim[];
}

/** Attribute values: an integer, a list of integers, a string, or `{ float }` for the few float attributes. */
export type AttrValue = number | number[] | string | { float: number };

const ELEM_TYPE: Record<TensorType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
};

export const OPSET = 17;
const IR_VERSION = 8;

/**
 * Builds one ONNX graph. Computation is always float32 inside; float16 inputs, outputs and weights are bridged with
 * Cast nodes (ONNX Runtime folds the weight casts at load), which keeps every op on kernels the CPU provider has.
 */
export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly specsIn: TensorSpec[] = [];
  private readonly specsOut: TensorSpec[] = [];
  private readonly weightDims = new Map<string, readonly number[]>();
  private readonly used = new Set<string>();
  private counter = 0;
  private scopeName = '';

  constructor(
    private readonly graphName: string,
    readonly rng: Prng,
    private readonly weightType: 'float32' | 'float16' = 'float32',
  ) {}

  get inputSpecs(): readonly TensorSpec[] {
    return this.specsIn;
  }

  get outputSpecs(): readonly TensorSpec[] {
    return this.specsOut;
  }

  /** Named (state-dict-like) weights → their dims (PyTorch layout), in creation order. */
  get weights(): ReadonlyMap<string, readonly number[]> {
    return this.weightDims;
  }

  /** Runs `fn` with node names prefixed by `/scope`, the way exported graphs name their nodes. */
  scope<T>(name: string, fn: () => T): T {
    const saved = this.scopeName;
    this.scopeName = `${saved}/${name}`;
    try {
      return fn();
    } finally {
      this.scopeName = saved;
    }
  }

  /** Declares a graph input; returns the float32 (or integer) value the graph computes with. */
  input(name: string, type: TensorType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    this.specsIn.push({ name, type, dims });
    return type === 'float16' ? this.op('Cast', [name], { to: ELEM_TYPE.float32 }) : name;
  }

  /** Declares a graph output fed by `value` (float32 inside), cast to `type` when that differs. */
  output(name: string, value: string, type: TensorType, dims: Dim[]): void {
    if (type === 'float16') this.node('Cast', [value], [name], { to: ELEM_TYPE.float16 });
    else this.node('Identity', [value], [name]);
    this.outputs.push(valueInfo(name, type, dims));
    this.specsOut.push({ name, type, dims });
  }

  /**
   * A named weight (its name is what a LoRA targets). Stored in the model's weight type; returns a float32 value.
   */
  weight(name: string, dims: number[], data: Float32Array): string {
    this.assertSize(name, dims, data.length);
    if (this.weightDims.has(name)) throw new Error(`duplicate weight ${name}`);
    this.weightDims.set(name, [...dims]);
    if (this.weightType === 'float16') {
      this.initializers.push(rawTensor(name, dims, ELEM_TYPE.float16, toFloat16Array(data)));
      return this.op('Cast', [name], { to: ELEM_TYPE.float32 });
    }
    this.initializers.push(rawTensor(name, dims, ELEM_TYPE.float32, data));
    return name;
  }

  /** A named weight drawn from N(0, std²). */
  randomWeight(name: string, dims: number[], std: number): string {
    return this.weight(name, dims, this.rng.normalArray(product(dims), std));
  }

  /** An anonymous float32 constant (never a LoRA target). */
  constFloat(values: number[] | Float32Array, dims: number[]): string {
    const name = this.uniqueName('Constant');
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    this.assertSize(name, dims, data.length);
    this.initializers.push(rawTensor(name, dims, ELEM_TYPE.float32, data));
    return name;
  }

  /** An anonymous int64 constant (shapes, axes, indices). */
  constInt64(values: number[], dims: number[] = [values.length]): string {
    const name = this.uniqueName('Constant');
    this.initializers.push(rawTensor(name, dims, ELEM_TYPE.int64, BigInt64Array.from(values.map(BigInt))));
    return name;
  }

  /** Adds one node with a single output and returns that output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    const nodeName = this.uniqueName(opType);
    const out = `${nodeName}_output_0`;
    this.node(opType, inputs, [out], attrs, nodeName);
    return out;
  }

  node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, AttrValue> = {},
    nodeName = this.uniqueName(opType),
  ): void {
    for (const o of outputs) {
      if (this.used.has(o)) throw new Error(`duplicate value name ${o}`);
      this.used.add(o);
    }
    this.nodes.push({
      name: nodeName,
      opType,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    });
  }

  /** Serializes the model (deterministic: same graph, same bytes). */
  toBytes(): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'darkroom-tiny-models',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }

  private uniqueName(opType: string): string {
    this.counter += 1;
    return `${this.scopeName}/${opType}_${this.counter}`;
  }

  private assertSize(name: string, dims: number[], length: number): void {
    if (product(dims) !== length) throw new Error(`${name}: ${length} values for dims [${dims.join(',')}]`);
  }
}

export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function valueInfo(name: string, type: TensorType, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function rawTensor(
  name: string,
  dims: number[],
  dataType: number,
  data: Float32Array | Uint16Array | BigInt64Array,
): onnx.ITensorProto {
  // raw_data is little-endian by the ONNX spec; typed arrays are little-endian on every platform Node runs on.
  return { name, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  return { name, type: T.FLOAT, f: value.float };
}
