import type { SessionCache } from '../engine/session-cache';
import { resizeRgb, type RgbImage } from '../engine/vae';
import type { EsrganModelStore, StoredUpscaler } from './esrgan-models';
import { upscaleTiled, type TiledUpscaleOptions } from './tiled-upscale';
import type { UpscalerChoice } from './upscaler-catalogue';

/** Model keys of upscaler sessions in the shared session cache (not catalogue models: not reported as held). */
export const UPSCALER_MODEL_KEY_PREFIX = 'upscaler:';

/** A1111 repeats a model upscaler until the image is large enough, at most this many times. */
const MAX_MODEL_PASSES = 3;

export interface ImageUpscalerDeps {
  cache: SessionCache;
  store: EsrganModelStore;
  /** Tile size for model upscalers (input pixels). */
  tile?: number;
}

/**
 * Upscales RGB images to an exact size with a pixel filter (sharp) or a model upscaler. A model runs tiled
 * (tiled-upscale.ts), again on its own output while the image is smaller than the target (at most 3 passes, as
 * A1111 does), then the result is brought to the exact size with Lanczos.
 */
export class ImageUpscaler {
  constructor(private readonly deps: ImageUpscalerDeps) {}

  /** Converts (first use) and locates a model upscaler's ONNX file. */
  prepare(choice: UpscalerChoice): Promise<StoredUpscaler | undefined> {
    return choice.kind === 'model' ? this.deps.store.get(choice.model) : Promise.resolve(undefined);
  }

  async upscale(
    img: RgbImage,
    width: number,
    height: number,
    choice: Exclude<UpscalerChoice, { kind: 'latent' }>,
    opts: Pick<TiledUpscaleOptions, 'isCancelled' | 'onTile'> = {},
  ): Promise<RgbImage> {
    if (choice.kind === 'pixel') return resizeRgb(img, width, height, choice.kernel);
    const stored = await this.deps.store.get(choice.model);
    const lease = await this.deps.cache.acquire({
      key: stored.file,
      file: stored.file,
      bytes: stored.bytes,
      modelKey: `${UPSCALER_MODEL_KEY_PREFIX}${choice.name}`,
      label: choice.name,
    });
    try {
      let current = img;
      for (let pass = 0; pass < MAX_MODEL_PASSES && (current.width < width || current.height < height); pass++) {
        current = await upscaleTiled(lease.component, current, stored.scale, { ...opts, tile: this.deps.tile, margin: stored.receptiveRadius });
      }
      return resizeRgb(current, width, height, 'lanczos3');
    } finally {
      lease.release();
    }
  }
}
