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
/** Tensors of this many bytes and more go to the external-data file (ONNX's default size threshold). */
const EXTERNAL_DATA_THRESHOLD = 1024;
const IR_VERSION = 8;

/** Options of a graph beyond its name and weight stream. */
export interface GraphOptions {
  /**
   * The type the graph computes in (default float32). float32 bridges float16 inputs, outputs and weights with Cast
   * nodes (ONNX Runtime folds the weight casts at load), which keeps every op on kernels the CPU provider has;
   * float16 computes in half precision throughout, as real fp16 exports do on a GPU.
   */
  computeType?: 'float32' | 'float16';
  /** Record weight names and shapes without drawing or storing any values (to count a full-size model's weights). */
  shapesOnly?: boolean;
  /**
   * How Linear weights are stored (default `named`): `named` keeps `<module>.weight` in PyTorch's [out, in] layout
   * with a Transpose node; `folded` is what torch.onnx.export leaves: the transpose folded into an [in, out]
   * initializer named `onnx::MatMul_<n>`, found only through its MatMul node `/<module path>/MatMul`.
   */
  linearWeights?: 'named' | 'folded';
}

/** Builds one ONNX graph, computing in float32 unless told otherwise (GraphOptions.computeType). */
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
    private readonly options: GraphOptions = {},
  ) {}

  get linearWeights(): 'named' | 'folded' {
    return this.options.linearWeights ?? 'named';
  }

  get computeType(): 'float32' | 'float16' {
    return this.options.computeType ?? 'float32';
  }

  /** The ONNX element type of computeType, for Cast nodes into it. */
  get computeElemType(): number {
    return ELEM_TYPE[this.computeType];
  }

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

  /** Declares a graph input; returns the value the graph computes with (floats cast to the compute type). */
  input(name: string, type: TensorType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    this.specsIn.push({ name, type, dims });
    return isFloat(type) && type !== this.computeType ? this.op('Cast', [name], { to: this.computeElemType }) : name;
  }

  /** Declares a graph output fed by `value` (in the compute type), cast to `type` when that differs. */
  output(name: string, value: string, type: TensorType, dims: Dim[]): void {
    if (isFloat(type) && type !== this.computeType) this.node('Cast', [value], [name], { to: ELEM_TYPE[type] });
    else this.node('Identity', [value], [name]);
    this.outputs.push(valueInfo(name, type, dims));
    this.specsOut.push({ name, type, dims });
  }

  /**
   * A named weight (its name is what a LoRA targets). Stored in the model's weight type; returns a value in the
   * compute type.
   */
  weight(name: string, dims: number[], data: Float32Array): string {
    this.assertSize(name, dims, data.length);
    this.recordWeight(name, dims);
    if (this.options.shapesOnly) return name;
    const stored = this.weightType === 'float16' ? toFloat16Array(data) : data;
    this.initializers.push(rawTensor(name, dims, ELEM_TYPE[this.weightType], stored));
    return this.weightType === this.computeType ? name : this.op('Cast', [name], { to: this.computeElemType });
  }

  /** A named weight drawn from N(0, std²). */
  randomWeight(name: string, dims: number[], std: number): string {
    if (!this.options.shapesOnly) return this.weight(name, dims, this.rng.normalArray(product(dims), std));
    this.recordWeight(name, dims);
    return name;
  }

  private recordWeight(name: string, dims: number[]): void {
    if (this.weightDims.has(name)) throw new Error(`duplicate weight ${name}`);
    this.weightDims.set(name, [...dims]);
  }

  /** An anonymous constant in the compute type (never a LoRA target). */
  constFloat(values: number[] | Float32Array, dims: number[]): string {
    const name = this.uniqueName('Constant');
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    this.assertSize(name, dims, data.length);
    this.initializers.push(rawTensor(name, dims, this.computeElemType, this.computeType === 'float16' ? toFloat16Array(data) : data));
    return name;
  }

  /** An anonymous int64 constant (shapes, axes, indices). */
  constInt64(values: number[], dims: number[] = [values.length]): string {
    const name = this.uniqueName('Constant');
    this.initializers.push(rawTensor(name, dims, ELEM_TYPE.int64, BigInt64Array.from(values.map(BigInt))));
    return name;
  }

  /** Adds one node named `nodeName` (an exporter's module-path name) with a single output; returns the output. */
  namedOp(opType: string, inputs: string[], nodeName: string): string {
    const out = `${nodeName}_output_0`;
    this.node(opType, inputs, [out], {}, nodeName);
    return out;
  }

  /** The next `onnx::<op>_<n>` name, as torch.onnx.export names the constants it folds. */
  foldedName(opType: string): string {
    this.counter += 1;
    return `onnx::${opType}_${this.counter}`;
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
    return this.encode(this.initializers);
  }

  /**
   * Serializes the model with its weights in an external-data file, as exporters do for models over 2 GiB (ONNX's
   * `save_as_external_data`, all tensors in one file, those of 1 KiB and more): `model` references `location`
   * (relative to the model's folder) at each tensor's offset; `data` is that file. Smaller tensors stay inline.
   */
  toExternalData(location: string): { model: Uint8Array; data: Uint8Array } {
    const pieces: Uint8Array[] = [];
    let offset = 0;
    const initializers = this.initializers.map((t) => {
      const raw = t.rawData as Uint8Array;
      if (raw.byteLength < EXTERNAL_DATA_THRESHOLD) return t;
      const entry = (key: string, value: string | number) => ({ key, value: String(value) });
      const moved: onnx.ITensorProto = {
        ...t,
        rawData: undefined,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [entry('location', location), entry('offset', offset), entry('length', raw.byteLength)],
      };
      pieces.push(raw);
      offset += raw.byteLength;
      return moved;
    });
    return { model: this.encode(initializers), data: Buffer.concat(pieces) };
  }

  private encode(initializers: onnx.ITensorProto[]): Uint8Array {
    if (this.options.shapesOnly) throw new Error(`${this.graphName}: a shapes-only graph has no weights to write`);
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'darkroom-tiny-models',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: initializers,
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

function isFloat(type: TensorType): type is 'float32' | 'float16' {
  return type === 'float32' || type === 'float16';
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
