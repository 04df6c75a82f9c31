import { conv2d, silu } from './layers';
import { Dim, OnnxGraphBuilder } from './onnx-graph.builder';
import { Prng } from './prng';
import { LATENT_CHANNELS } from './unet.graph';

export const VAE_SCALE = 8;
const IMAGE_CHANNELS = 3;

export type VaeEncoderOutput = 'latent_sample' | 'latent_parameters';

export interface VaeSpec {
  seed: number;
  channels: number;
  /** The family's latent scaling factor (0.18215 SD1/SD2, 0.13025 SDXL): the tiny VAE is built around it. */
  scalingFactor: number;
  floatType: 'float32' | 'float16';
}

/**
 * VAE decoder: latent_sample [B,4,h,w] → post_quant_conv (≈ × scalingFactor, undoing the pipeline's division) →
 * decoder.conv_in → SiLU → bilinear ×8 → decoder.conv_out → tanh → sample [B,3,8h,8w] in (-1, 1).
 */
export function buildVaeDecoder(spec: VaeSpec): OnnxGraphBuilder {
  const b = new OnnxGraphBuilder('vae_decoder', Prng.derive(spec.seed, 'vae_decoder'), spec.floatType);
  const c = spec.channels;
  const latent = b.input('latent_sample', spec.floatType, ['batch_size', LATENT_CHANNELS, 'latent_height', 'latent_width']);
  const postQuantInit = nearDiagonal(b.rng, LATENT_CHANNELS, LATENT_CHANNELS, spec.scalingFactor);
  const postQuant = b.weight('post_quant_conv.weight', [LATENT_CHANNELS, LATENT_CHANNELS, 1, 1], postQuantInit);
  const postQuantBias = b.randomWeight('post_quant_conv.bias', [LATENT_CHANNELS], 0.02);
  let x = b.op('Conv', [latent, postQuant, postQuantBias], { kernel_shape: [1, 1] });
  x = silu(b, conv2d(b, x, 'decoder.conv_in', LATENT_CHANNELS, c));
  x = b.op('Resize', [x, '', b.constFloat([1, 1, VAE_SCALE, VAE_SCALE], [4])], { mode: 'linear' });
  x = b.op('Tanh', [conv2d(b, x, 'decoder.conv_out', c, IMAGE_CHANNELS, { gain: 1.5 })]);
  b.output('sample', x, spec.floatType, ['batch_size', IMAGE_CHANNELS, 'latent_height*8', 'latent_width*8']);
  return b;
}

/**
 * VAE encoder: sample [B,3,H,W] (H, W multiples of 8) → encoder.conv_in (8×8 patches, stride 8) → SiLU →
 * encoder.conv_out → tanh → quant_conv (mean ≈ ÷ scalingFactor, log-variance ≈ −6) → `latent_parameters`
 * [B,8,h,w] (mean then log-variance, optimum ≥ 1.23) or `latent_sample` [B,4,h,w]. Real `latent_sample` exports
 * sample the distribution inside the graph; this one returns the mean so its output is deterministic.
 */
export function buildVaeEncoder(spec: VaeSpec & { output: VaeEncoderOutput }): OnnxGraphBuilder {
  const b = new OnnxGraphBuilder('vae_encoder', Prng.derive(spec.seed, 'vae_encoder'), spec.floatType);
  const c = spec.channels;
  const params = 2 * LATENT_CHANNELS;
  const image = b.input('sample', spec.floatType, ['batch_size', IMAGE_CHANNELS, 'sample_height', 'sample_width']);
  let x = silu(b, conv2d(b, image, 'encoder.conv_in', IMAGE_CHANNELS, c, { kernel: VAE_SCALE, stride: VAE_SCALE, pad: 0 }));
  x = b.op('Tanh', [conv2d(b, x, 'encoder.conv_out', c, params, { gain: 1.5 })]);
  const quant = nearDiagonal(b.rng, params, params, 1 / spec.scalingFactor);
  for (let i = LATENT_CHANNELS * params; i < quant.length; i++) quant[i] *= spec.scalingFactor * 0.1; // small log-variance
  const bias = new Float32Array(params);
  bias.fill(-6, LATENT_CHANNELS);
  x = b.op('Conv', [x, b.weight('quant_conv.weight', [params, params, 1, 1], quant), b.weight('quant_conv.bias', [params], bias)], {
    kernel_shape: [1, 1],
  });
  const channels = spec.output === 'latent_parameters' ? params : LATENT_CHANNELS;
  const latentDims: Dim[] = ['batch_size', channels, 'sample_height/8', 'sample_width/8'];
  if (spec.output === 'latent_sample') {
    x = b.op('Slice', [x, b.constInt64([0]), b.constInt64([LATENT_CHANNELS]), b.constInt64([1])]);
  }
  b.output(spec.output, x, spec.floatType, latentDims);
  return b;
}

/** A [out, in] 1×1 conv matrix ≈ scale × identity plus a little mixing. */
function nearDiagonal(rng: Prng, out: number, inp: number, scale: number): Float32Array {
  const w = rng.normalArray(out * inp, 0.1 * scale);
  for (let i = 0; i < Math.min(out, inp); i++) w[i * inp + i] += scale;
  return w;
}
