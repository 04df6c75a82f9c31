import type { RgbImage } from '../../engine/vae';
import type { AuxiliarySessions } from '../../engine/auxiliary-sessions';

/** A numeric setting a preprocessor reads from `preprocessorParams`, with the names A1111's API uses for it. */
export interface PreprocessorParam {
  /** Canonical key, e.g. `low_threshold`. */
  key: string;
  /** Other accepted keys (A1111's generic `threshold_a` / `threshold_b`, camelCase). */
  aliases: string[];
  min: number;
  max: number;
  default: number;
}

export interface PreprocessorContext {
  /** ONNX sessions of auxiliary models (line detector, …). */
  sessions: AuxiliarySessions;
}

/**
 * Turns the unit's input image into the ControlNet's hint (conditioning image). `run` gets the image already at the
 * preprocessor resolution (short side = processor_res, or pixel-perfect) unless `ownResolution` is set.
 */
export interface Preprocessor {
  name: string;
  /** Other names requests use for it. */
  aliases: string[];
  params: PreprocessorParam[];
  /** The hint holds only black and white (edges, lines): resized with nearest neighbour to stay binary. */
  binary: boolean;
  /** Takes the input at its own size (pass-through, resample): `processor_res` does not apply. */
  ownResolution: boolean;
  run(image: RgbImage, params: Record<string, number>, ctx: PreprocessorContext): Promise<RgbImage>;
}
