import { cannyPreprocessor } from './canny';
import { lineartStandardPreprocessor, scribbleXdogPreprocessor } from './line-drawing';
import { mlsdPreprocessor } from './mlsd';
import { openposePreprocessor } from './openpose';
import { invertPreprocessor, nonePreprocessor, tileResamplePreprocessor } from './pass-through';
import type { Preprocessor } from './preprocessor.types';

export const PREPROCESSORS: readonly Preprocessor[] = [
  nonePreprocessor,
  invertPreprocessor,
  cannyPreprocessor,
  mlsdPreprocessor,
  openposePreprocessor,
  scribbleXdogPreprocessor,
  lineartStandardPreprocessor,
  tileResamplePreprocessor,
];

/** Names requests may use, canonical names first. */
export function supportedPreprocessorNames(): string[] {
  return [...PREPROCESSORS.map((p) => p.name), ...PREPROCESSORS.flatMap((p) => p.aliases)];
}

/** Preprocessors of A1111's list that need a model this installation does not ship, by name prefix. */
const NEEDS_MODEL: Array<[RegExp, string]> = [
  [/^(dw_)?openpose|^dwpose|^animal_openpose/, 'a pose estimation model'],
  [/^depth|^normal/, 'a depth estimation model'],
  [/^softedge|^hed|^pidinet|^scribble_(hed|pidinet)|^lineart_(realistic|coarse|anime)|^anime/, 'an edge detection network'],
  [/^seg|^oneformer|^uniformer/, 'a segmentation model'],
  [/^ip-adapter|^clip_vision|^t2ia|^reference|^inpaint|^instant_id|^revision|^shuffle|^recolor|^blur_gaussian|^mediapipe_face/, 'a component this engine does not run'],
];

/** An unknown or unavailable preprocessor name; the message lists the supported ones. */
export class PreprocessorError extends Error {}

export function resolvePreprocessor(name: string): Preprocessor {
  const wanted = name.trim().toLowerCase();
  const found = PREPROCESSORS.find((p) => p.name === wanted || p.aliases.includes(wanted));
  if (found) return found;
  const supported = supportedPreprocessorNames().join(', ');
  const need = NEEDS_MODEL.find(([re]) => re.test(wanted));
  if (need) throw new PreprocessorError(`preprocessor "${name}" needs ${need[1]}, which is not installed; supported: ${supported}`);
  throw new PreprocessorError(`unknown preprocessor "${name}"; supported: ${supported}`);
}

/** `processor_res` and its other spellings: the short side the image is resized to before preprocessing. */
export const PROCESSOR_RES = { key: 'processor_res', aliases: ['processorRes', 'resolution', 'preprocessor_resolution'], min: 64, max: 2048, default: 512 };

/**
 * The numeric settings of one preprocessor from a request's `preprocessorParams`: every key must be one it reads
 * (or `processor_res`), numeric and in range; absent ones take their defaults.
 */
export function resolvePreprocessorParams(p: Preprocessor, raw: Record<string, string | number | boolean> | undefined): Record<string, number> {
  const specs = [...p.params, PROCESSOR_RES];
  const values: Record<string, number> = {};
  for (const s of specs) values[s.key] = s.default;
  for (const [key, value] of Object.entries(raw ?? {})) {
    const spec = specs.find((s) => s.key === key || s.aliases.includes(key));
    if (!spec) {
      const accepted = specs.map((s) => [s.key, ...s.aliases].join('/')).join(', ');
      throw new PreprocessorError(`preprocessorParams.${key} is not a setting of "${p.name}"; it reads: ${accepted}`);
    }
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n)) throw new PreprocessorError(`preprocessorParams.${key} must be a number, got ${JSON.stringify(value)}`);
    if (n < spec.min || n > spec.max) throw new PreprocessorError(`preprocessorParams.${key} must be between ${spec.min} and ${spec.max}, got ${n}`);
    values[spec.key] = n;
  }
  return values;
}
