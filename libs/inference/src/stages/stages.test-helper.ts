import { cp, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import sharp from 'sharp';
import { parseCreateJobRequest, type CreateJobRequest, type DiffusionParams } from '@darkroom/contracts';
import { decodeRgb, type RgbImage } from '../engine/vae';
import { packageFolder } from '../upscale/esrgan-models';
import type { Box } from '../inpaint/gray-image';

/** Test helpers of the stage specs: multi-stage requests, real photos, masks and a 9-channel inpainting model. */

/** The diffusion parameters of every stage of a request (a DIFFUSION stage's and the IMAGE_TO_* stages' own). */
export function diffusionsOf(req: CreateJobRequest): DiffusionParams[] {
  return req.stages.flatMap((s) => [s.diffusion, s.imageToUpscaler?.diffusion, s.imageToInpaint?.diffusion, s.imageToAdetailer?.diffusion].filter((d): d is DiffusionParams => !!d));
}

/**
 * A parsed TAMS request from raw stages (defaults applied). `size` then sets every stage's diffusion size below the
 * API's 512 minimum (the engine takes any multiple of 8), keeping tests fast.
 */
export function stagesJob(stages: Record<string, unknown>[], size?: { width: number; height: number }): CreateJobRequest {
  const parsed = parseCreateJobRequest({ requestId: 'stage-test', stages });
  if (!parsed.ok) throw new Error(`bad test request: ${JSON.stringify(parsed.issues)}`);
  if (size) for (const d of diffusionsOf(parsed.value)) Object.assign(d, size);
  return parsed.value;
}

/** Diffusion parameters for a stage: prompt, Euler, few steps. */
export function diffusion(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { prompts: [{ text: 'a photo of a cat' }], steps: 3, sampler: 'Euler', ...over };
}

/** A real photo with a face (face-api's demo picture `sampleN.jpg`), resized to width × height, as PNG. */
export async function photoPng(width: number, height: number, sample = 1): Promise<Buffer> {
  const file = path.join(packageFolder('@vladmandic/face-api'), 'demo', `sample${sample}.jpg`);
  return sharp(await readFile(file)).resize(width, height, { fit: 'fill' }).png().toBuffer();
}

export async function rgbOf(png: Buffer): Promise<RgbImage> {
  return decodeRgb(png);
}

/** A black mask with white boxes (white = repaint), as PNG. */
export async function boxMask(width: number, height: number, boxes: Box[]): Promise<Buffer> {
  const data = Buffer.alloc(width * height);
  for (const b of boxes) for (let y = b.y1; y < b.y2; y++) data.fill(255, y * width + b.x1, y * width + b.x2);
  return sharp(data, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

/** Pixel indices (y · width + x) where `pick` holds. */
export function pixelsWhere(width: number, height: number, pick: (x: number, y: number) => boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (pick(x, y)) out.push(y * width + x);
  return out;
}

/** How many of the given pixels differ between two RGB images of one size. */
export function changedPixels(a: Uint8Array, b: Uint8Array, pixels: readonly number[]): number {
  let n = 0;
  for (const p of pixels) if (a[p * 3] !== b[p * 3] || a[p * 3 + 1] !== b[p * 3 + 1] || a[p * 3 + 2] !== b[p * 3 + 2]) n++;
  return n;
}

/** Mean absolute difference over the given pixels. */
export function meanDiffAt(a: Uint8Array, b: Uint8Array, pixels: readonly number[]): number {
  let s = 0;
  for (const p of pixels) for (let c = 0; c < 3; c++) s += Math.abs(a[p * 3 + c] - b[p * 3 + c]);
  return s / (3 * Math.max(1, pixels.length));
}

/**
 * Copies a tiny model folder into an inpainting model: its UNet takes 9-channel samples (latent, mask, masked-image
 * latent, the layout of diffusers' inpainting UNets) through a 1×1 convolution in front of the original graph that
 * passes the latent through and adds `extraWeight` × (mask + masked latent) to it; 0 makes it equal to the 4-channel
 * model. `unet/config.json` says in_channels 9.
 */
export async function makeInpaintingModel(source: string, target: string, extraWeight: number): Promise<void> {
  await cp(source, target, { recursive: true });
  const file = path.join(target, 'unet', 'model.onnx');
  const model = onnx.ModelProto.decode(await readFile(file));
  const graph = model.graph!;
  const sample = graph.input!.find((i) => i.name === 'sample');
  if (!sample) throw new Error('UNet without a sample input');
  const dims = sample.type!.tensorType!.shape!.dim!;
  if (dims[1].dimValue === undefined || Number(dims[1].dimValue) !== 4) throw new Error('expected a 4-channel sample input');
  dims[1] = { dimValue: 9 };
  const inner = 'sample_latent_channels';
  for (const node of graph.node!) node.input = node.input!.map((n) => (n === 'sample' ? inner : n));
  const weight = new Float32Array(4 * 9);
  for (let o = 0; o < 4; o++) {
    weight[o * 9 + o] = 1;
    weight[o * 9 + 4] = extraWeight;
    weight[o * 9 + 5 + o] = extraWeight;
  }
  graph.initializer!.push({ name: 'inpaint_in.weight', dims: [4, 9, 1, 1], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(weight.buffer) });
  graph.node!.unshift({ name: 'inpaint_in', opType: 'Conv', input: ['sample', 'inpaint_in.weight'], output: [inner], attribute: [{ name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1] }] });
  await writeFile(file, onnx.ModelProto.encode(model).finish());
  const configFile = path.join(target, 'unet', 'config.json');
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  await writeFile(configFile, JSON.stringify({ ...config, in_channels: 9 }));
}
