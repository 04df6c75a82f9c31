import * as ort from 'onnxruntime-node';
import { toFloat16 } from '../engine/float16';
import { LATENT_CHANNELS } from '../engine/guided-unet';
import { OnnxComponent, type Feeds } from '../engine/onnx-component';

/** Channels an inpainting UNet takes after the latent: the mask (1) and the masked image's latent (4). */
export const INPAINT_EXTRA_CHANNELS = 5;

/**
 * A 9-channel inpainting UNet seen as a 4-channel one: every call gets `extra` (mask plane, then the masked image's
 * 4 latent planes, latentHeight × latentWidth each) appended after the 4 latent channels of each batch item, which
 * is the input order of diffusers' and A1111's inpainting models. The same extra channels go to every item, so a
 * caller samples one image at a time (the cond and uncond items of that image). Calls run on the wrapped session
 * (its RunStats count them); releasing the view releases nothing.
 */
export function inpaintingUNetView(unet: OnnxComponent, extra: Float32Array): OnnxComponent {
  const sample = unet.input('sample');
  let extra16: Uint16Array | undefined;
  const view = {
    inputNames: [...unet.inputs.keys()],
    outputNames: [...unet.outputs.keys()],
    inputMetadata: [...unet.inputs.values()].map((v) => ({
      name: v.name,
      isTensor: true,
      type: v.type,
      shape: v.name === 'sample' && v.shape.length === 4 ? [v.shape[0], LATENT_CHANNELS, v.shape[2], v.shape[3]] : v.shape,
    })),
    outputMetadata: [...unet.outputs.values()].map((v) => ({ name: v.name, isTensor: true, type: v.type, shape: v.shape })),
    run: async (feeds: Feeds, fetch?: readonly string[]) => {
      const t = feeds.sample;
      const [batch, channels, h, w] = t.dims;
      if (channels !== LATENT_CHANNELS) throw new Error(`inpainting UNet view: expected ${LATENT_CHANNELS}-channel samples, got ${channels}`);
      const plane = h * w;
      if (extra.length !== INPAINT_EXTRA_CHANNELS * plane) throw new Error(`inpainting UNet view: extra channels for ${extra.length / plane} planes`);
      const total = LATENT_CHANNELS + INPAINT_EXTRA_CHANNELS;
      const merge = <A extends Float32Array | Uint16Array>(data: A, more: A, out: A): A => {
        for (let b = 0; b < batch; b++) {
          out.set(data.subarray(b * LATENT_CHANNELS * plane, (b + 1) * LATENT_CHANNELS * plane), b * total * plane);
          out.set(more, (b * total + LATENT_CHANNELS) * plane);
        }
        return out;
      };
      const dims = [batch, total, h, w];
      const merged =
        sample.type === 'float16'
          ? new ort.Tensor('float16', merge(t.data as Uint16Array, (extra16 ??= toFloat16(extra)), new Uint16Array(batch * total * plane)), dims)
          : new ort.Tensor('float32', merge(t.data as Float32Array, extra, new Float32Array(batch * total * plane)), dims);
      return unet.run({ ...feeds, sample: merged }, fetch);
    },
    release: async () => undefined,
  };
  return new OnnxComponent(unet.label, view as unknown as ort.InferenceSession);
}

/** The extra channels of one image: the mask plane followed by its masked-image latent. */
export function inpaintExtraChannels(mask: Float32Array, maskedLatent: Float32Array): Float32Array {
  const out = new Float32Array(mask.length + maskedLatent.length);
  out.set(mask, 0);
  out.set(maskedLatent, mask.length);
  return out;
}
