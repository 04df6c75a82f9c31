import { FatalRunError } from '../runner/job-runner';
import { BlazeFaceDetector, type BlazeFaceVariant } from './blazeface-detector';
import type { DetectionBox } from './detection-box';
import type { RgbImage } from '../engine/vae';

/** Finds objects of one kind in an image. */
export interface ObjectDetector {
  /** What it runs, for logs and infotext. */
  readonly label: string;
  /** Objects scoring at least `minScore`, best first, in image pixels. */
  detect(img: RgbImage, minScore: number): Promise<DetectionBox[]>;
}

/**
 * ADetailer model names this engine runs, and the BlazeFace model each maps to. The YOLO face models are not on
 * the npm registry; BlazeFace's full-range model stands in for all of them (it finds close-ups and small faces).
 * MediaPipe's short-range model is BlazeFace "front"; the face-mesh models, whose masks start from the same face
 * detection, get the full-range box.
 */
const FACE_MODELS: Readonly<Record<string, BlazeFaceVariant>> = {
  'face_yolov8n.pt': 'full',
  'face_yolov8s.pt': 'full',
  'face_yolov8m.pt': 'full',
  'face_yolov9c.pt': 'full',
  mediapipe_face_full: 'full',
  mediapipe_face_short: 'short',
  mediapipe_face_mesh: 'full',
};

export const SUPPORTED_AD_MODELS = Object.keys(FACE_MODELS);

/** BlazeFace variant for an ADetailer model name (case-insensitive), or a FatalRunError naming what is supported. */
export function detectorVariantFor(adModel: string): BlazeFaceVariant {
  const key = SUPPORTED_AD_MODELS.find((m) => m.toLowerCase() === adModel.trim().toLowerCase());
  if (key) return FACE_MODELS[key];
  const kind = /hand/i.test(adModel) ? 'hand' : /person|world/i.test(adModel) ? 'person/object' : undefined;
  const why = kind ? ` (no ${kind} detector is available to this engine)` : '';
  throw new FatalRunError(`imageToAdetailer adModel "${adModel}" is not supported${why}; supported: ${SUPPORTED_AD_MODELS.join(', ')}`);
}

/** The detector for an ADetailer model; its session is opened once per process and shared (a few hundred kB). */
export async function detectorFor(adModel: string): Promise<ObjectDetector> {
  const variant = detectorVariantFor(adModel);
  const detector = await BlazeFaceDetector.load(variant);
  return { label: `BlazeFace ${variant}-range`, detect: (img, minScore) => detector.detect(img, minScore) };
}
