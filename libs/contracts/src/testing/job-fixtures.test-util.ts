// Request builders and path helpers shared by this library's specs (not exported from the index).
import { FieldIssue, ParseResult } from '../errors/field-issue';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const diffusion = (extra: Record<string, Json> = {}): Record<string, Json> => ({
  width: 512,
  height: 512,
  prompts: [{ text: 'a lighthouse on a cliff' }],
  ...extra,
});

export const job = (...stages: Json[]): Record<string, Json> => ({ requestId: 'req-1', stages });

export const diffusionStage = (extra: Record<string, Json> = {}) => ({ type: 'DIFFUSION', diffusion: diffusion(extra) });
export const upscalerStage = (extra: Record<string, Json> = {}) => ({
  type: 'IMAGE_TO_UPSCALER',
  imageToUpscaler: { hrUpscaler: 'Latent', hrScale: 2, denoisingStrength: 0.5, ...extra },
});
export const adetailerStage = (arg: Record<string, Json> = {}, extra: Record<string, Json> = {}) => ({
  type: 'IMAGE_TO_ADETAILER',
  imageToAdetailer: { args: [{ adModel: 'face_yolov8n.pt', ...arg }], ...extra },
});
export const inpaintStage = (extra: Record<string, Json> = {}) => ({
  type: 'IMAGE_TO_INPAINT',
  imageToInpaint: { maskImageResourceId: 'mask-1', ...extra },
});
export const inputStage = (extra: Record<string, Json> = {}) => ({ type: 'INPUT_INITIALIZE', inputInitialize: { ...extra } });
export const animateStage = (arg: Record<string, Json> = {}) => ({
  type: 'IMAGE_TO_ANIMATE_DIFF',
  diffusion: diffusion({ animateDiff: { args: [arg] } }),
});

/** `a.b[2].c` → ['a', 'b', 2, 'c']. */
export function pathSegments(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    segments.push(part.startsWith('[') ? Number(part.slice(1, -1)) : part);
  }
  return segments;
}

export function getAt(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const s of pathSegments(path)) v = v === null || v === undefined ? undefined : (v as Record<string | number, unknown>)[s];
  return v;
}

/** A deep copy of `value` with `path` set (creating objects on the way); `undefined` deletes the key. */
export function setAt<T>(value: T, path: string, next: unknown): T {
  const copy = structuredClone(value) as unknown;
  const segments = pathSegments(path);
  let cursor = copy as Record<string | number, unknown>;
  segments.slice(0, -1).forEach((s, i) => {
    if (cursor[s] === undefined || cursor[s] === null) cursor[s] = typeof segments[i + 1] === 'number' ? [] : {};
    cursor = cursor[s] as Record<string | number, unknown>;
  });
  const last = segments[segments.length - 1];
  if (next === undefined) delete cursor[last];
  else cursor[last] = next;
  return copy as T;
}

export function issuesOf<T>(result: ParseResult<T>): FieldIssue[] {
  return result.ok ? [] : result.issues;
}

export function valueOf<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected the request to parse, got ${JSON.stringify(result.issues)}`);
  return result.value;
}
