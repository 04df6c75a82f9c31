import * as path from 'node:path';
import sharp from 'sharp';
import { parseCreateJobRequest, type CreateJobRequest } from '@darkroom/contracts';
import { generateTinyMotionModel, generateTinySd15 } from '@darkroom/testing';
import { checkpoint, jobRequest, makeTempDir, meanAbsDiff, removeDir, runJob, testPicture } from '../engine/engine.test-helper';
import { FatalRunError, type RunnerModel, type RunOutput } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';
import { bundledFfmpeg } from '../video/mp4-encoder';

const SIZE = 64;

/** INPUT_INITIALIZE (+ optional stages) + a video stage, parsed like the API does, then shrunk below its 512 minimum. */
function videoJob(
  arg: Record<string, unknown> = {},
  o: { count?: number; seed?: number; image?: string; diffusion?: Record<string, unknown>; type?: string; before?: Record<string, unknown>[]; after?: Record<string, unknown>[] } = {},
): CreateJobRequest {
  const parsed = parseCreateJobRequest({
    requestId: 'video-test',
    stages: [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed: o.seed ?? 77, count: o.count ?? 1, ...(o.image ? { imageResourceId: o.image } : {}) } },
      ...(o.before ?? []),
      {
        type: o.type ?? 'IMAGE_TO_ANIMATE_DIFF',
        diffusion: { prompts: [{ text: 'a cat walking' }], steps: 3, sampler: 'Euler', animateDiff: { args: [{ videoLength: 6, fps: 8, ...arg }] }, ...o.diffusion },
      },
      ...(o.after ?? []),
    ],
  });
  if (!parsed.ok) throw new Error(`bad test request: ${JSON.stringify(parsed.issues)}`);
  for (const s of parsed.value.stages) {
    const d = s.diffusion ?? s.imageToUpscaler?.diffusion;
    if (d) [d.width, d.height] = [SIZE, SIZE];
  }
  return parsed.value;
}

async function pages(video: RunOutput): Promise<Buffer[]> {
  const meta = await sharp(video.data, { animated: true }).metadata();
  return Promise.all(Array.from({ length: meta.pages ?? 1 }, (_, k) => sharp(video.data, { page: k }).removeAlpha().raw().toBuffer()));
}

describe('AnimateDiff (IMAGE_TO_ANIMATE_DIFF) on a tiny motion model', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let motion: RunnerModel;
  let fixed: RunnerModel;
  let pipelineLayout: RunnerModel;
  let plain: RunnerModel;
  let picture: Buffer;
  const notices: string[] = [];
  const calls = (label: string) => runner.stats.byComponent.get(label)?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinyMotionModel(path.join(root, 'motion'));
    await generateTinyMotionModel(path.join(root, 'fixed'), { frames: 8, maxFrames: 16, seed: 2 });
    await generateTinyMotionModel(path.join(root, 'pipeline'), { layout: 'unet', seed: 3 });
    await generateTinySd15(path.join(root, 'plain'));
    motion = checkpoint(path.join(root, 'motion'), '301', 'tiny-motion');
    fixed = checkpoint(path.join(root, 'fixed'), '302', 'tiny-motion-8');
    pipelineLayout = checkpoint(path.join(root, 'pipeline'), '303', 'tiny-animatediff-pipeline');
    plain = checkpoint(path.join(root, 'plain'), '304', 'tiny-plain');
    picture = await testPicture(SIZE, SIZE);
    runner = createOnnxJobRunner({ intraOpThreads: 1, previewEveryMs: 0, onNotice: (_, n) => notices.push(n) });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  beforeEach(() => runner.stats.reset());

  const run = (request: CreateJobRequest, models: RunnerModel[] = [motion]) => runJob(runner, request, models, { resources: { pic: picture } });

  it('makes one clip per image: MP4, WebP and GIF videos with the frame count, size and seed, and per-step progress', async () => {
    const { outputs, progress } = await run(videoJob({ videoLength: 6, fps: 8 }, { count: 2 }));
    const formats = bundledFfmpeg() ? ['mp4', 'webp', 'gif'] : ['webp', 'gif'];
    expect(outputs.map((o) => [o.kind, o.stageIndex, o.index, o.format, o.width, o.height, o.frames, o.seed])).toEqual(
      [0, 1].flatMap((index) => formats.map((format) => ['VIDEO', 1, index, format, SIZE, SIZE, 6, 77n + BigInt(index)])),
    );
    expect(outputs.map((o) => o.contentType)).toEqual(expect.arrayContaining(['image/webp', 'image/gif']));
    // 3 Euler steps, each one motion-UNet call for both clips × cond/uncond and all 6 frames (one window).
    expect(calls('unet_motion')).toBe(3);
    expect(calls('unet')).toBe(0);
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(progress[2].images.map((i) => i.progress)).toEqual([100, 100]);
    expect(progress[0].images[0].preview?.width).toBe(SIZE / 8);

    for (const video of outputs.filter((o) => o.format !== 'mp4')) {
      const meta = await sharp(video.data, { animated: true }).metadata();
      expect([meta.format, meta.pages, meta.width, meta.pageHeight, meta.loop]).toEqual([video.format, 6, SIZE, SIZE, 0]);
      expect(meta.delay!.reduce((a, b) => a + b, 0)).toBeCloseTo(750, -1);
    }
    const mp4 = outputs.find((o) => o.format === 'mp4');
    if (mp4) expect(mp4.data.toString('latin1', 4, 8)).toBe('ftyp');
  });

  it('keeps clips temporally consistent: neighbouring frames are closer than the same frame of another seed', async () => {
    const { outputs } = await run(videoJob({ videoLength: 8 }, { count: 2 }));
    const [a, b] = await Promise.all(outputs.filter((o) => o.format === 'webp').map(pages));
    expect(a).toHaveLength(8);
    const neighbours: number[] = [];
    const otherSeed: number[] = [];
    for (let f = 0; f < 7; f++) neighbours.push(meanAbsDiff(a[f], a[f + 1]));
    for (let f = 0; f < 8; f++) otherSeed.push(meanAbsDiff(a[f], b[f]));
    expect(Math.max(...neighbours)).toBeLessThan(Math.min(...otherSeed));
    // …and it is a clip, not one still image repeated.
    expect(meanAbsDiff(a[0], a[7])).toBeGreaterThan(0.5);
  });

  it('is deterministic: the same seed gives the same frames', async () => {
    const first = await run(videoJob({ videoLength: 3 }), [motion]);
    const second = await run(videoJob({ videoLength: 3 }), [motion]);
    const gif = (r: typeof first) => r.outputs.find((o) => o.format === 'gif')!.data;
    expect(gif(second).equals(gif(first))).toBe(true);
  });

  it('covers clips longer than the motion window with overlapping windows (dynamic frame axis: 16 frames)', async () => {
    const { outputs } = await run(videoJob({ videoLength: 20 }));
    expect(outputs[0].frames).toBe(20);
    // windows [0, 16) and [4, 20): two calls per step
    expect(calls('unet_motion')).toBe(6);
  });

  it('fills a fixed frame axis: short clips loop, long ones slide', async () => {
    const short = await run(videoJob({ videoLength: 5 }), [fixed]);
    expect(short.outputs.map((o) => o.frames)).toEqual(short.outputs.map(() => 5));
    expect(calls('unet_motion')).toBe(3);
    runner.stats.reset();
    await run(videoJob({ videoLength: 12 }), [fixed]);
    expect(calls('unet_motion')).toBe(6);
  });

  it('runs an exported AnimateDiff pipeline whose unet/ is the motion UNet', async () => {
    const { outputs } = await run(videoJob({ videoLength: 4 }), [pipelineLayout]);
    expect(outputs[0]).toMatchObject({ kind: 'VIDEO', frames: 4 });
    expect(calls('unet')).toBe(3);
  });

  it('a DIFFUSION stage carrying animateDiff.args makes the clip too', async () => {
    const { outputs } = await run(videoJob({ videoLength: 4 }, { type: 'DIFFUSION' }));
    expect(outputs.every((o) => o.kind === 'VIDEO' && o.frames === 4 && o.stageIndex === 1)).toBe(true);
  });

  it('starts every frame from an earlier image: strength 0 gives that image in every frame, 0.5 stays near it', async () => {
    const still = await run(videoJob({ videoLength: 4 }, { image: 'pic', diffusion: { denoisingStrength: 0 } }));
    expect(calls('unet_motion')).toBe(0);
    expect(still.outputs[0].frames).toBe(4);
    // libwebp's animation encoder merges identical consecutive frames: a clip of one still frame is a still WebP.
    const webp = await sharp(still.outputs.find((o) => o.format === 'webp')!.data, { animated: true }).metadata();
    expect(webp.pages ?? 1).toBe(1);
    const [still0] = await pages(still.outputs.find((o) => o.format === 'webp')!);
    // The tiny VAE is not a faithful autoencoder: compare distances, not equality.
    const webpOf = async (req: CreateJobRequest) => pages((await run(req)).outputs.find((o) => o.format === 'webp')!);
    const fromImage = await webpOf(videoJob({ videoLength: 4 }, { image: 'pic', diffusion: { denoisingStrength: 0.5 } }));
    const fromNoise = await webpOf(videoJob({ videoLength: 4 }));
    expect(meanAbsDiff(fromImage[2], still0)).toBeLessThan(meanAbsDiff(fromNoise[2], still0));
  });

  it('writes only the formats the runner is configured for', async () => {
    const gifOnly = createOnnxJobRunner({ intraOpThreads: 1, videoFormats: ['gif'] });
    try {
      const { outputs } = await runJob(gifOnly, videoJob({ videoLength: 2 }, { count: 2 }), [motion]);
      expect(outputs.map((o) => [o.index, o.format])).toEqual([
        [0, 'gif'],
        [1, 'gif'],
      ]);
    } finally {
      await gifOnly.close();
    }
  });

  const withArg = (field: 'videoLength' | 'fps', value: number) => {
    const req = videoJob();
    req.stages[1].diffusion!.animateDiff!.args[0][field] = value;
    return req;
  };
  const bad: [string, () => CreateJobRequest, 'motion' | 'plain' | 'pipeline', RegExp][] = [
    ['an image job on a video-only checkpoint', () => jobRequest({ size: { width: SIZE, height: SIZE }, diffusion: { steps: 3 } }), 'pipeline', /the UNet of "tiny-animatediff-pipeline" is a motion UNet .* it makes videos only/],
    ['no motion module', () => videoJob(), 'plain', /AnimateDiff needs a motion module, and checkpoint "tiny-plain" has none: add unet_motion\/model\.onnx/],
    ['videoLength 0', () => withArg('videoLength', 0), 'motion', /diffusion\.animateDiff\.args\[0\]\.videoLength must be an integer from 1 to 64, got 0/],
    ['videoLength 65', () => withArg('videoLength', 65), 'motion', /videoLength must be an integer from 1 to 64, got 65/],
    ['videoLength 2.5', () => withArg('videoLength', 2.5), 'motion', /videoLength must be an integer from 1 to 64, got 2.5/],
    ['fps 0', () => withArg('fps', 0), 'motion', /diffusion\.animateDiff\.args\[0\]\.fps must be an integer from 1 to 60, got 0/],
    ['fps 61', () => withArg('fps', 61), 'motion', /fps must be an integer from 1 to 60, got 61/],
    [
      'two args',
      () => {
        const req = videoJob();
        req.stages[1].diffusion!.animateDiff!.args.push({ videoLength: 2, fps: 8 });
        return req;
      },
      'motion',
      /animateDiff\.args must hold exactly one item/,
    ],
    [
      'a stage after the clip',
      () => videoJob({}, { after: [{ type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'Lanczos', hrScale: 2, denoisingStrength: 0, diffusion: { prompts: [{ text: 'x' }] } } }] }),
      'motion',
      /stage 1 \(IMAGE_TO_ANIMATE_DIFF\) makes videos and must be the job's last stage; stage 2 \(IMAGE_TO_UPSCALER\)/,
    ],
    [
      'ControlNet units',
      () => videoJob({}, { diffusion: { controlnet: { args: [{ preprocessor: 'canny', model: 'cn', inputImageResourceId: 'pic' }] } } }),
      'motion',
      /controlnet\.args cannot be combined with animateDiff\.args/,
    ],
  ];

  it.each(bad)('%s is a FatalRunError before any UNet call', async (_label, request, model, message) => {
    const error = await run(request(), [{ motion, plain, pipeline: pipelineLayout }[model]]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FatalRunError);
    expect((error as Error).message).toMatch(message);
    expect(calls('unet') + calls('unet_motion')).toBe(0);
  });
});
