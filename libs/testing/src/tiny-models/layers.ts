import { OnnxGraphBuilder } from './onnx-graph.builder';

/**
 * Neural-network building blocks expressed as ONNX nodes. Weights take PyTorch's layout and names
 * (`<prefix>.weight` is [out, in] for Linear, [out, in, k, k] for Conv2d) so a LoRA delta `up @ down` adds to
 * them as is; the graph transposes Linear weights itself (ONNX Runtime folds that at load), unless the graph
 * stores them as torch.onnx.export does (GraphOptions.linearWeights `folded`).
 * Initialisation is LeCun-style (std 1/√fan_in) so activations stay near unit scale at every width.
 */

export interface LinearOptions {
  bias?: boolean;
  /** Multiplies the LeCun std; < 1 for residual branches so deep stacks stay tame. */
  gain?: number;
}

export function linear(
  b: OnnxGraphBuilder,
  x: string,
  prefix: string,
  inFeatures: number,
  outFeatures: number,
  opts: LinearOptions = {},
): string {
  const std = (opts.gain ?? 1) / Math.sqrt(inFeatures);
  let y: string;
  if (b.linearWeights === 'folded') {
    // The same values as the named form, stored transposed: both styles compute the same function.
    const values = b.rng.normalArray(outFeatures * inFeatures, std);
    const transposed = new Float32Array(values.length);
    for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) transposed[i * outFeatures + o] = values[o * inFeatures + i];
    const w = b.weight(b.foldedName('MatMul'), [inFeatures, outFeatures], transposed);
    y = b.namedOp('MatMul', [x, w], `/${prefix.replace(/\./g, '/')}/MatMul`);
  } else {
    const w = b.randomWeight(`${prefix}.weight`, [outFeatures, inFeatures], std);
    y = b.op('MatMul', [x, b.op('Transpose', [w], { perm: [1, 0] })]);
  }
  if (opts.bias ?? true) y = b.op('Add', [y, b.randomWeight(`${prefix}.bias`, [outFeatures], 0.02)]);
  return y;
}

export interface ConvOptions {
  kernel?: number;
  stride?: number;
  pad?: number;
  gain?: number;
}

export function conv2d(
  b: OnnxGraphBuilder,
  x: string,
  prefix: string,
  inChannels: number,
  outChannels: number,
  opts: ConvOptions = {},
): string {
  const k = opts.kernel ?? 3;
  const pad = opts.pad ?? (k === 1 ? 0 : Math.floor(k / 2));
  const std = (opts.gain ?? 1) / Math.sqrt(inChannels * k * k);
  const w = b.randomWeight(`${prefix}.weight`, [outChannels, inChannels, k, k], std);
  const bias = b.randomWeight(`${prefix}.bias`, [outChannels], 0.02);
  return b.op('Conv', [x, w, bias], {
    kernel_shape: [k, k],
    strides: [opts.stride ?? 1, opts.stride ?? 1],
    pads: [pad, pad, pad, pad],
  });
}

export function silu(b: OnnxGraphBuilder, x: string): string {
  return b.op('Mul', [x, b.op('Sigmoid', [x])]);
}

/** Scale weights near 1 and small biases, as a trained norm layer would have. */
function normParams(b: OnnxGraphBuilder, prefix: string, size: number): [string, string] {
  const scale = b.rng.normalArray(size, 0.05);
  for (let i = 0; i < size; i++) scale[i] += 1;
  return [b.weight(`${prefix}.weight`, [size], scale), b.randomWeight(`${prefix}.bias`, [size], 0.02)];
}

/** LayerNorm over the last axis. */
export function layerNorm(b: OnnxGraphBuilder, x: string, prefix: string, size: number): string {
  const [scale, bias] = normParams(b, prefix, size);
  return b.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { float: 1e-5 } });
}

/**
 * GroupNorm on NCHW as PyTorch exports it: reshape to [N, groups, -1], InstanceNormalization with unit scale,
 * reshape back, then the per-channel affine `<prefix>.weight` / `<prefix>.bias`. Groups of several channels keep
 * per-channel offsets (such as the time embedding) visible, which one-channel groups would erase.
 */
export function groupNorm(b: OnnxGraphBuilder, x: string, prefix: string, channels: number): string {
  const groups = normGroups(channels);
  const [scale, bias] = normParams(b, prefix, channels);
  const grouped = b.op('Reshape', [x, b.constInt64([0, groups, -1])]);
  const ones = b.constFloat(new Float32Array(groups).fill(1), [groups]);
  const zeros = b.constFloat(new Float32Array(groups), [groups]);
  const normed = b.op('Reshape', [b.op('InstanceNormalization', [grouped, ones, zeros], { epsilon: { float: 1e-5 } }), b.op('Shape', [x])]);
  const perChannel = b.constInt64([channels, 1, 1]);
  return b.op('Add', [b.op('Mul', [normed, b.op('Reshape', [scale, perChannel])]), b.op('Reshape', [bias, perChannel])]);
}

/** Stable Diffusion uses 32 groups; narrow tiny models use groups of 4 channels (at least one group). */
export function normGroups(channels: number): number {
  const groups = Math.min(32, Math.max(1, Math.floor(channels / 4)));
  return channels % groups === 0 ? groups : 1;
}

export function scalar(b: OnnxGraphBuilder, value: number): string {
  return b.constFloat([value], []);
}

/** Sinusoidal embedding of a column of values [N, 1] → [N, dim] (cos first, as Stable Diffusion's UNet does). */
export function sinusoidalEmbedding(b: OnnxGraphBuilder, column: string, dim: number): string {
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = Math.exp((-Math.log(10000) * i) / half);
  const arg = b.op('Mul', [column, b.constFloat(freqs, [1, half])]);
  return b.op('Concat', [b.op('Cos', [arg]), b.op('Sin', [arg])], { axis: 1 });
}
