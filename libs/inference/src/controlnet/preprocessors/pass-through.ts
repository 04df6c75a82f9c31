import { resizeHint } from '../image-ops';
import type { Preprocessor } from './preprocessor.types';

/** The input image is the hint (a ready-made edge map, depth map, pose drawing, …). */
export const nonePreprocessor: Preprocessor = {
  name: 'none',
  aliases: [],
  params: [],
  binary: false,
  ownResolution: true,
  async run(image) {
    return image;
  },
};

/** 255 − value: a drawing with black lines on white becomes white lines on black. */
export const invertPreprocessor: Preprocessor = {
  name: 'invert',
  aliases: [],
  params: [],
  binary: false,
  ownResolution: true,
  async run(image) {
    const data = new Uint8Array(image.data.length);
    for (let i = 0; i < data.length; i++) data[i] = 255 - image.data[i];
    return { data, width: image.width, height: image.height };
  },
};

/**
 * The tile ControlNet's hint: the image itself, shrunk by `down_sampling_rate` (rates below 1.1 keep it as is) so
 * that the ControlNet sees a blurrier version and adds detail; the hint is then resized to the generation size.
 */
export const tileResamplePreprocessor: Preprocessor = {
  name: 'tile_resample',
  aliases: ['tile'],
  params: [{ key: 'down_sampling_rate', aliases: ['threshold_a', 'downSamplingRate'], min: 1, max: 8, default: 1 }],
  binary: false,
  ownResolution: true,
  async run(image, params) {
    const rate = params.down_sampling_rate;
    if (rate < 1.1) return image;
    const width = Math.max(1, Math.floor(image.width / rate));
    const height = Math.max(1, Math.floor(image.height / rate));
    return resizeHint(image, width, height);
  },
};
