import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseCreateJobRequest, type CreateJobRequest } from '@darkroom/contracts';
import type { RunHooks, RunInput, RunnerModel, RunOutput, RunProgress } from '../runner/job-runner';
import type { OnnxJobRunner } from '../runner/onnx-job-runner';

/** Test helpers of the engine specs: temp folders, job requests, running a job and reading its images. */

export async function makeTempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'darkroom-engine-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface JobSpec {
  diffusion?: Record<string, unknown>;
  init?: Record<string, unknown>;
  /** Overrides width/height after parsing, below the API's 512 minimum (the engine takes any multiple of 8). */
  size?: { width: number; height: number };
  extraStages?: Record<string, unknown>[];
}

/** A parsed TAMS request (defaults applied) for INPUT_INITIALIZE + DIFFUSION. */
export function jobRequest(spec: JobSpec = {}): CreateJobRequest {
  const parsed = parseCreateJobRequest({
    requestId: 'engine-test',
    stages: [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 1234, ...spec.init } },
      { type: 'DIFFUSION', diffusion: { prompts: [{ text: 'a photo of a cat' }], steps: 3, sampler: 'Euler', ...spec.diffusion } },
      ...(spec.extraStages ?? []),
    ],
  });
  if (!parsed.ok) throw new Error(`bad test request: ${JSON.stringify(parsed.issues)}`);
  const req = parsed.value;
  if (spec.size) {
    const d = req.stages.find((s) => s.type === 'DIFFUSION')!.diffusion!;
    d.width = spec.size.width;
    d.height = spec.size.height;
  }
  return req;
}

export function checkpoint(dir: string, id = '101', name = 'tiny', baseModel = 'SD1'): RunnerModel {
  return { id, kind: 'CHECKPOINT', name, baseModel, path: dir };
}

export interface JobResult {
  outputs: RunOutput[];
  progress: RunProgress[];
}

export async function runJob(
  runner: OnnxJobRunner,
  request: CreateJobRequest,
  models: RunnerModel[],
  options: { resources?: Record<string, Buffer>; cancelAfterStep?: number } = {},
): Promise<JobResult> {
  const progress: RunProgress[] = [];
  const input: RunInput = {
    jobId: 'job-1',
    request,
    models,
    loadResource: async (id) => {
      const r = options.resources?.[id];
      if (!r) throw new Error(`no resource ${id}`);
      return r;
    },
  };
  const hooks: RunHooks = {
    onProgress: (p) => {
      progress.push(p);
    },
    isCancelled: () => options.cancelAfterStep !== undefined && progress.length >= options.cancelAfterStep,
  };
  return { outputs: await runner.run(input, hooks), progress };
}

export async function rawPixels(image: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Runs the same 128² job on two model sets (e.g. two exports of one model) and returns both outputs' pixels. */
export async function pixelsOfBoth(runner: OnnxJobRunner, spec: JobSpec, a: RunnerModel[], b: RunnerModel[]): Promise<[Buffer, Buffer]> {
  const request = jobRequest({ size: { width: 128, height: 128 }, ...spec });
  const [ra, rb] = await Promise.all([runJob(runner, request, a), runJob(runner, request, b)]);
  const [pa, pb] = await Promise.all([rawPixels(ra.outputs[0].data), rawPixels(rb.outputs[0].data)]);
  return [pa.data, pb.data];
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
  return s / a.length;
}

/** A deterministic RGB test picture (gradients and a square) as PNG. */
export async function testPicture(width: number, height: number, variant = 0): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inSquare = x > width / 4 && x < (3 * width) / 4 && y > height / 4 && y < (3 * height) / 4;
      data[i] = (x * 255) / width;
      data[i + 1] = variant ? 255 - (y * 255) / height : (y * 255) / height;
      data[i + 2] = inSquare ? 220 - variant * 200 : 30 + variant * 180;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
