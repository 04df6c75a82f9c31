import { conv2d, scalar, silu } from './layers';
import { OnnxGraphBuilder } from './onnx-graph.builder';
import { Prng } from './prng';
import { LATENT_CHANNELS } from './unet.graph';

/**
 * A LayerDiffuse-style transparency decoder: `pixel` [B,3,H,W] (the VAE's RGB in [0, 1]) and `latent_sample`
 * [B,4,h,w] (unscaled, as the VAE decoder takes it) → `sample` [B,4,H,W] in [0, 1]: channel 0 alpha, 1–3 the
 * foreground RGB. The latent is resized to the pixel grid and both go through two convolutions; alpha is a sigmoid
 * of the first output channel, the RGB a small correction of the input pixels.
 */
export function buildTransparentDecoder(spec: { seed: number; channels: number }): OnnxGraphBuilder {
  const b = new OnnxGraphBuilder('vae_transparent_decoder', Prng.derive(spec.seed, 'vae_transparent_decoder'));
  const c = spec.channels;
  const pixel = b.input('pixel', 'float32', ['batch_size', 3, 'height', 'width']);
  const latent = b.input('latent_sample', 'float32', ['batch_size', LATENT_CHANNELS, 'latent_height', 'latent_width']);
  const sizes = b.op('Shape', [pixel]);
  const grid = b.op('Concat', [b.op('Shape', [latent], { start: 0, end: 2 }), b.op('Slice', [sizes, b.constInt64([2]), b.constInt64([4])])], { axis: 0 });
  const up = b.op('Resize', [latent, '', '', grid], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
  const x = b.op('Concat', [pixel, b.op('Mul', [up, scalar(b, 0.2)])], { axis: 1 });
  const h = silu(b, conv2d(b, x, 'decoder.conv_in', 3 + LATENT_CHANNELS, c));
  const y = conv2d(b, h, 'decoder.conv_out', c, 4, { gain: 2 });
  const channel = (from: number, to: number) => b.op('Slice', [y, b.constInt64([from]), b.constInt64([to]), b.constInt64([1])]);
  const alpha = b.op('Sigmoid', [b.op('Mul', [channel(0, 1), scalar(b, 3)])]);
  const rgb = b.op('Clip', [b.op('Add', [pixel, b.op('Mul', [b.op('Tanh', [channel(1, 4)]), scalar(b, 0.1)])]), scalar(b, 0), scalar(b, 1)]);
  b.output('sample', b.op('Concat', [alpha, rgb], { axis: 1 }), 'float32', ['batch_size', 4, 'height', 'width']);
  return b;
}
