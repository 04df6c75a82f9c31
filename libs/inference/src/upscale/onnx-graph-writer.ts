import { onnx } from 'onnx-proto';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const OPSET = 17;
const IR_VERSION = 8;

type Attr = number | number[] | string | { float: number };

/**
 * Writes a small float32 ONNX graph: named inputs/outputs with symbolic or fixed dims, float32/int64 initializers
 * and nodes with one output each. Deterministic: the same calls give the same bytes.
 */
export class OnnxGraphWriter {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string, value: string, dims: (number | string)[]): void {
    this.nodes.push({ name: `${name}_identity`, opType: 'Identity', input: [value], output: [name] });
    this.outputs.push(valueInfo(name, dims));
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  int64s(values: number[]): string {
    const name = `const_${++this.counter}`;
    const data = BigInt64Array.from(values.map(BigInt));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** Adds a node named after `label` and returns its output's name. */
  op(opType: string, inputs: string[], label: string, attrs: Record<string, Attr> = {}): string {
    const out = `${label}_${++this.counter}`;
    this.nodes.push({
      name: out,
      opType,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([n, v]) => attribute(n, v)),
    });
    return out;
  }

  toBytes(producer: string): Uint8Array {
    return onnx.ModelProto.encode({
      irVersion: IR_VERSION,
      producerName: producer,
      producerVersion: '1',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    }).finish();
  }
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, value: Attr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  return { name, type: T.FLOAT, f: value.float };
}
