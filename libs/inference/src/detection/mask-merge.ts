import type { AdetailerArg } from '@darkroom/contracts';
import type { GrayImage } from '../inpaint/gray-image';
import { invertMask, maskIsEmpty } from '../inpaint/inpaint-mask';

export type MaskMergeMode = AdetailerArg['adMaskMergeInvert'];

/** The union (per-pixel maximum) of masks of one size. */
export function mergeMasks(masks: readonly GrayImage[]): GrayImage {
  const [first] = masks;
  const data = new Uint8Array(first.data.length);
  for (const m of masks) {
    if (m.width !== first.width || m.height !== first.height) throw new Error('mergeMasks: masks of different sizes');
    for (let i = 0; i < data.length; i++) if (m.data[i] > data[i]) data[i] = m.data[i];
  }
  return { data, width: first.width, height: first.height };
}

/**
 * ADetailer's mask merge mode: None keeps one mask per detection (each inpainted in turn), Merge makes their union
 * one mask, "Merge and Invert" inpaints everything except the detections. Masks with no pixel left are dropped;
 * no masks in → none out (nothing detected leaves the image alone, also under "Merge and Invert").
 */
export function mergeInvert(masks: readonly GrayImage[], mode: MaskMergeMode): GrayImage[] {
  const kept = masks.filter((m) => !maskIsEmpty(m));
  if (!kept.length) return [];
  if (mode === 'None') return kept;
  const merged = mergeMasks(kept);
  const out = mode === 'Merge and Invert' ? invertMask(merged) : merged;
  return maskIsEmpty(out) ? [] : [out];
}
