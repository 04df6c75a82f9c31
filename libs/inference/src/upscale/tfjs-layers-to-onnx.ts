import { OnnxGraphWriter } from './onnx-graph-writer';
import type { TfjsLayer, TfjsLayersModel, TfjsWeight } from './tfjs-layers-model';

/** An image-to-image model converted to ONNX: NCHW float input `input`, output `output`, both in the model's range. */
export interface ConvertedUpscaler {
  bytes: Uint8Array;
  /** Output size / input size. */
  scale: number;
  /** Input pixels on each side that can influence an output pixel (tiles need that much context). */
  receptiveRadius: number;
}

/** A value of the graph being built: its ONNX name, spatial scale relative to the input and receptive radius. */
interface Value {
  name: string;
  scale: number;
  radius: number;
  channels: number;
  /** A nearest-neighbour upsampling not emitted yet (fused into the convolution that reads it). */
  pendingUpsample?: number;
}

const ACTIVATIONS: Record<string, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

function pair(v: unknown, what: string): [number, number] {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  if (typeof v === 'number') return [v, v];
  throw new Error(`${what}: expected a pair of numbers`);
}

function weightOf(model: TfjsLayersModel, layer: string, kind: 'kernel' | 'bias'): TfjsWeight {
  const w = model.weights.get(`${layer}/${kind}`);
  if (!w) throw new Error(`layer ${layer}: weight ${layer}/${kind} is missing`);
  return w;
}

/** Keras kernel [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
function onnxKernel(w: TfjsWeight): Float32Array {
  const [kh, kw, cin, cout] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = w.data[((y * kw + x) * cin + i) * cout + o];
  return out;
}

/**
 * A k×k convolution (stride 1, "same" padding) applied after a nearest ×s upsampling, as one convolution at the low
 * resolution followed by DepthToSpace: output pixel (s·y + a, s·x + b) reads low-resolution pixels y + ⌊(a + ky − r)/s⌋,
 * so output channel (o, a, b) gets the summed taps of each low-resolution offset. Exact, and the wide upsampled
 * tensor (C·s² values per input pixel) never exists.
 */
function fuseUpsampleConv(kernel: Float32Array, cout: number, cin: number, k: number, s: number): { kernel: Float32Array; size: number } {
  const r = (k - 1) / 2;
  const R = Math.ceil(r / s);
  const size = 2 * R + 1;
  const out = new Float32Array(cout * s * s * cin * size * size);
  for (let o = 0; o < cout; o++)
    for (let a = 0; a < s; a++)
      for (let b = 0; b < s; b++) {
        const oc = o * s * s + a * s + b;
        for (let c = 0; c < cin; c++)
          for (let ky = 0; ky < k; ky++) {
            const dy = Math.floor((a + ky - r) / s) + R;
            for (let kx = 0; kx < k; kx++) {
              const dx = Math.floor((b + kx - r) / s) + R;
              out[((oc * cin + c) * size + dy) * size + dx] += kernel[((o * cin + c) * k + ky) * k + kx];
            }
          }
      }
  return { kernel: out, size };
}

/**
 * Converts a TF.js layers model of the kinds super-resolution packages ship (InputLayer, Conv2D with stride 1,
 * Activation, Concatenate and Add on channels, UpSampling2D nearest) to an ONNX graph in NCHW layout. An
 * UpSampling2D read only by a "same" convolution is fused with it (see fuseUpsampleConv); any other becomes Resize.
 * Unknown layers or options are refused by name.
 */
export function layersModelToOnnx(model: TfjsLayersModel, graphName: string): ConvertedUpscaler {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error('only models with one input and one output are supported');
  const consumers = new Map<string, TfjsLayer[]>();
  for (const l of model.layers) for (const i of l.inbound) consumers.set(i, [...(consumers.get(i) ?? []), l]);
  const g = new OnnxGraphWriter(graphName);
  const values = new Map<string, Value>();
  const valueOf = (name: string): Value => {
    const v = values.get(name);
    if (!v) throw new Error(`layer ${name} is used before it is defined`);
    return v;
  };
  const materialise = (v: Value, label: string): Value => {
    if (!v.pendingUpsample) return v;
    const s = v.pendingUpsample;
    const scales = g.floats(`${label}_scales`, [4], Float32Array.from([1, 1, s, s]));
    const name = g.op('Resize', [v.name, '', scales], label, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
    return { name, scale: v.scale * s, radius: v.radius, channels: v.channels };
  };

  for (const layer of model.layers) {
    const c = layer.config;
    const inputs = layer.inbound.map((n) => valueOf(n));
    const fail = (why: string): never => {
      throw new Error(`layer ${layer.name} (${layer.className}): ${why}`);
    };
    switch (layer.className) {
      case 'InputLayer': {
        const shape = c.batch_input_shape as (number | null)[] | undefined;
        const channels = shape?.[3];
        if (typeof channels !== 'number') fail('needs a fixed channel count (channels last)');
        values.set(layer.name, { name: g.input('input', ['batch', channels as number, 'height', 'width']), scale: 1, radius: 0, channels: channels as number });
        break;
      }
      case 'Conv2D': {
        const [kh, kw] = pair(c.kernel_size, 'kernel_size');
        const [sh, sw] = pair(c.strides ?? [1, 1], 'strides');
        const [dh, dw] = pair(c.dilation_rate ?? [1, 1], 'dilation_rate');
        if (sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) fail('only stride 1 without dilation is supported');
        if (c.data_format && c.data_format !== 'channels_last') fail(`data_format ${String(c.data_format)}`);
        const activation = ACTIVATIONS[String(c.activation ?? 'linear')];
        if (activation === undefined) fail(`activation ${String(c.activation)} is not supported`);
        const kernelW = weightOf(model, layer.name, 'kernel');
        const [, , cin, cout] = kernelW.shape;
        const input = inputs[0];
        if (cin !== input.channels) fail(`kernel takes ${cin} channels, input has ${input.channels}`);
        let kernel = onnxKernel(kernelW);
        let bias = c.use_bias === false ? new Float32Array(cout) : weightOf(model, layer.name, 'bias').data;
        const same = c.padding === 'same';
        if (!same && c.padding !== 'valid') fail(`padding ${String(c.padding)}`);
        const s = input.pendingUpsample;
        let out: Value;
        if (s && same && kh === kw && kh % 2 === 1) {
          const fused = fuseUpsampleConv(kernel, cout, cin, kh, s);
          kernel = fused.kernel;
          const b = new Float32Array(cout * s * s);
          for (let o = 0; o < cout; o++) b.fill(bias[o], o * s * s, (o + 1) * s * s);
          bias = b;
          const R = (fused.size - 1) / 2;
          const conv = g.op('Conv', [input.name, g.floats(`${layer.name}.weight`, [cout * s * s, cin, fused.size, fused.size], kernel), g.floats(`${layer.name}.bias`, [cout * s * s], bias)], layer.name, {
            kernel_shape: [fused.size, fused.size],
            pads: [R, R, R, R],
          });
          const shuffled = g.op('DepthToSpace', [conv], `${layer.name}_shuffle`, { blocksize: s, mode: 'CRD' });
          out = { name: shuffled, scale: input.scale * s, radius: input.radius + R / input.scale, channels: cout };
        } else {
          const x = materialise(input, `${layer.name}_upsample`);
          // TF "same" with stride 1 pads (k − 1) / 2 before, the rest after.
          const pads = same ? [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2), Math.ceil((kh - 1) / 2), Math.ceil((kw - 1) / 2)] : [0, 0, 0, 0];
          const conv = g.op('Conv', [x.name, g.floats(`${layer.name}.weight`, [cout, cin, kh, kw], kernel), g.floats(`${layer.name}.bias`, [cout], bias)], layer.name, {
            kernel_shape: [kh, kw],
            pads,
          });
          out = { name: conv, scale: x.scale, radius: x.radius + Math.ceil(Math.max(kh - 1, kw - 1) / 2) / x.scale, channels: cout };
        }
        if (activation) out = { ...out, name: g.op(activation, [out.name], `${layer.name}_act`) };
        values.set(layer.name, out);
        break;
      }
      case 'Activation': {
        const activation = ACTIVATIONS[String(c.activation)];
        if (activation === undefined) fail(`activation ${String(c.activation)} is not supported`);
        const x = inputs[0];
        values.set(layer.name, activation ? { ...x, name: g.op(activation, [x.name], layer.name) } : x);
        break;
      }
      case 'Concatenate': {
        const axis = c.axis ?? -1;
        if (axis !== -1 && axis !== 3) fail(`axis ${String(axis)}: only the channel axis is supported`);
        const xs = inputs.map((v, i) => materialise(v, `${layer.name}_in${i}`));
        if (new Set(xs.map((v) => v.scale)).size !== 1) fail('inputs of different sizes');
        values.set(layer.name, {
          name: g.op('Concat', xs.map((v) => v.name), layer.name, { axis: 1 }),
          scale: xs[0].scale,
          radius: Math.max(...xs.map((v) => v.radius)),
          channels: xs.reduce((a, v) => a + v.channels, 0),
        });
        break;
      }
      case 'Add': {
        const xs = inputs.map((v, i) => materialise(v, `${layer.name}_in${i}`));
        if (new Set(xs.map((v) => v.channels)).size !== 1) fail('inputs of different channel counts');
        values.set(layer.name, { name: g.op('Sum', xs.map((v) => v.name), layer.name), scale: xs[0].scale, radius: Math.max(...xs.map((v) => v.radius)), channels: xs[0].channels });
        break;
      }
      case 'UpSampling2D': {
        const [uh, uw] = pair(c.size ?? [2, 2], 'size');
        if (uh !== uw) fail('only square upsampling is supported');
        if ((c.interpolation ?? 'nearest') !== 'nearest') fail(`interpolation ${String(c.interpolation)}`);
        const x = materialise(inputs[0], `${layer.name}_in`);
        const readers = consumers.get(layer.name) ?? [];
        const fusable = readers.length === 1 && readers[0].className === 'Conv2D' && readers[0].config.padding === 'same';
        values.set(layer.name, fusable ? { ...x, pendingUpsample: uh } : materialise({ ...x, pendingUpsample: uh }, layer.name));
        break;
      }
      default:
        fail('this layer type is not supported');
    }
  }
  const out = materialise(valueOf(model.outputs[0]), 'output_upsample');
  g.output('output', out.name, ['batch', out.channels, 'out_height', 'out_width']);
  return { bytes: g.toBytes('darkroom-tfjs-layers-to-onnx'), scale: out.scale, receptiveRadius: Math.ceil(out.radius) };
}
