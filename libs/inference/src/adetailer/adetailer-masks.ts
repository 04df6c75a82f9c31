import type { AdetailerArg } from '@darkroom/contracts';
import type { RgbImage } from '../engine/vae';
import { masksFromBoxes } from '../detection/box-masks';
import type { DetectionBox } from '../detection/detection-box';
import type { ObjectDetector } from '../detection/detector-catalogue';
import { mergeInvert } from '../detection/mask-merge';
import { dilateErode } from '../detection/mask-morphology';
import type { GrayImage } from '../inpaint/gray-image';

export interface AdetailerMasks {
  /** What the detector found at or above adConfidence, best first. */
  detections: DetectionBox[];
  /** The masks to inpaint, in order, at the image's size (none: the image stays as it is). */
  masks: GrayImage[];
}

/**
 * ADetailer's detection step for one image and arg: detect at adConfidence, one box mask per detection (best
 * first), each dilated (adDilateErode > 0) or eroded (< 0), then merged / inverted by adMaskMergeInvert; masks
 * left empty are dropped.
 */
export async function adetailerMasks(detector: ObjectDetector, image: RgbImage, arg: AdetailerArg): Promise<AdetailerMasks> {
  const detections = await detector.detect(image, arg.adConfidence);
  const boxes = masksFromBoxes(detections, image.width, image.height).map((m) => dilateErode(m, arg.adDilateErode));
  return { detections, masks: mergeInvert(boxes, arg.adMaskMergeInvert) };
}
