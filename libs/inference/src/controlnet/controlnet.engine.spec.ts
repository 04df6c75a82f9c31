import * as path from 'node:path';
import sharp from 'sharp';
import { generateTinyControlNet, generateTinySd15, generateTinySdxl } from '@darkroom/testing';
import { checkpoint, jobRequest, makeTempDir, meanAbsDiff, rawPixels, removeDir, runJob, testPicture, type JobSpec } from '../engine/engine.test-helper';
import { FatalRunError, type RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';

const SMALL = { width: 128, height: 128 };

describe('ControlNet in the engine (real ONNX, tiny SD1.5 with ControlNet inputs)', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let base: RunnerModel;
  let plain: RunnerModel;
  let sdxl: RunnerModel;
  let cnA: RunnerModel;
  let cnB: RunnerModel;
  let cnXl: RunnerModel;
  let resources: Record<string, Buffer>;
  const calls = (label: string) => runner.stats.byComponent.get(label)?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'base'), { controlNet: true });
    await generateTinySd15(path.join(root, 'plain'), { seed: 2 });
    await generateTinyControlNet(path.join(root, 'cn-b'), { seed: 5 });
    await generateTinySdxl(path.join(root, 'xl'), { controlNet: true });
    base = checkpoint(path.join(root, 'base'), '101', 'tiny-cn');
    plain = checkpoint(path.join(root, 'plain'), '102', 'tiny-plain');
    sdxl = checkpoint(path.join(root, 'xl'), '103', 'tiny-xl', 'SDXL');
    cnA = { id: '301', kind: 'CONTROLNET', name: 'cn-a', baseModel: 'SD1', path: path.join(root, 'base', 'controlnet') };
    cnB = { id: '302', kind: 'CONTROLNET', name: 'cn-b', baseModel: 'SD1', path: path.join(root, 'cn-b') };
    cnXl = { id: '303', kind: 'CONTROLNET', name: 'cn-xl', baseModel: 'SDXL', path: path.join(root, 'xl') };
    // A picture with strong edges (a bright square on a gradient) and a line drawing.
    resources = { pic: await testPicture(160, 120), square: await testPicture(128, 128, 1), junk: Buffer.from('not an image') };
    runner = createOnnxJobRunner({ intraOpThreads: 1 });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  beforeEach(() => runner.stats.reset());

  const unit = (over: Record<string, unknown> = {}) => ({ inputImageResourceId: 'pic', preprocessor: 'canny', model: 'cn-a', ...over });
  const run = (diffusion: Record<string, unknown>, models: RunnerModel[] = [base, cnA, cnB], spec: JobSpec = {}) =>
    runJob(runner, jobRequest({ size: SMALL, ...spec, diffusion: { steps: 10, ...diffusion } }), models, { resources });
  const pixels = async (r: { outputs: { data: Buffer }[] }) => (await rawPixels(r.outputs[0].data)).data;

  it('weight 0 gives exactly the image without ControlNet (and runs no ControlNet); weight 1 changes it', async () => {
    const without = await run({});
    expect(calls('controlnet')).toBe(0);
    const req = jobRequest({ size: SMALL, diffusion: { steps: 10, controlnet: { args: [unit()] } } });
    // The API reads weight 0 as "unset" (= 1); the engine takes it as given.
    req.stages[1].diffusion!.controlnet!.args[0].weight = 0;
    runner.stats.reset();
    const zero = await runJob(runner, req, [base, cnA], { resources });
    expect(calls('controlnet')).toBe(0);
    expect(zero.outputs[0].data.equals(without.outputs[0].data)).toBe(true);
    runner.stats.reset();
    const one = await run({ controlnet: { args: [unit()] } });
    expect([calls('controlnet'), calls('unet')]).toEqual([10, 10]);
    expect(meanAbsDiff(await pixels(one), await pixels(without))).toBeGreaterThan(1);
  });

  it('acts only on the steps of its guidance window', async () => {
    const windowed = await run({ controlnet: { args: [unit({ guidanceStart: 0.2, guidanceEnd: 0.5 })] } });
    // Steps 2, 3, 4 and 5 of 10 (0-based): start ≤ step / steps ≤ end.
    expect([calls('controlnet'), calls('unet')]).toEqual([4, 10]);
    runner.stats.reset();
    // Two units with their own windows: [0, 0.3] → steps 0–3, [0.6, 1] → steps 6–9.
    const two = await run({ controlnet: { args: [unit({ guidanceEnd: 0.3 }), unit({ model: 'cn-b', guidanceStart: 0.6 })] } });
    expect(calls('controlnet')).toBe(8);
    const full = await run({ controlnet: { args: [unit()] } });
    expect(meanAbsDiff(await pixels(windowed), await pixels(full))).toBeGreaterThan(0.2);
    expect(meanAbsDiff(await pixels(two), await pixels(full))).toBeGreaterThan(0.2);
  });

  it('two units together differ from each alone; control modes give different images', async () => {
    const a = await run({ controlnet: { args: [unit()] } });
    const b = await run({ controlnet: { args: [unit({ model: 'cn-b' })] } });
    runner.stats.reset();
    const both = await run({ controlnet: { args: [unit(), unit({ model: 'cn-b' })] } });
    expect(calls('controlnet')).toBe(20);
    const [pa, pb, pboth] = await Promise.all([a, b, both].map(pixels));
    expect(meanAbsDiff(pboth, pa)).toBeGreaterThan(0.2);
    expect(meanAbsDiff(pboth, pb)).toBeGreaterThan(0.2);
    const modes = await Promise.all(
      ['BALANCED', 'MY_PROMPT_IS_MORE_IMPORTANT', 'CONTROLNET_IS_MORE_IMPORTANT'].map(async (controlMode) => pixels(await run({ controlnet: { args: [unit({ controlMode })] } }))),
    );
    expect(meanAbsDiff(modes[0], pa)).toBe(0); // DEFAULT is BALANCED
    expect(meanAbsDiff(modes[0], modes[1])).toBeGreaterThan(0.2);
    expect(meanAbsDiff(modes[1], modes[2])).toBeGreaterThan(0.2);
  });

  it('runs every preprocessor (none, invert, canny, mlsd, scribble, lineart, tile) with resize modes, pixel perfect, masks and img2img', async () => {
    for (const [preprocessor, extra] of [
      ['none', { resizeMode: 'JUST_RESIZE' }],
      ['invert', { resizeMode: 'RESIZE_AND_FILL' }],
      ['canny', { pixelPerfect: true, preprocessorParams: { low_threshold: 50, high_threshold: 120 } }],
      ['mlsd', { preprocessorParams: { threshold_a: 0.1, threshold_b: 0.1 } }],
      ['scribble', { maskResourceId: 'square' }],
      ['lineart', {}],
      ['tile', { preprocessorParams: { down_sampling_rate: 2 } }],
    ] as const) {
      const r = await run({ steps: 3, controlnet: { args: [unit({ preprocessor, ...extra })] } });
      expect({ preprocessor, size: [r.outputs[0].width, r.outputs[0].height] }).toEqual({ preprocessor, size: [128, 128] });
    }
    // img2img: a unit without its own image uses the start image.
    runner.stats.reset();
    const i2i = await run({ steps: 4, denoisingStrength: 0.5, controlnet: { args: [unit({ inputImageResourceId: undefined })] } }, undefined, { init: { imageResourceId: 'square' } });
    expect(i2i.outputs).toHaveLength(1);
    expect(calls('controlnet')).toBe(calls('unet'));
    expect(calls('controlnet')).toBeGreaterThan(0);
  });

  it('SDXL: a ControlNet with text_embeds/time_ids inputs drives the SDXL UNet', async () => {
    const r = await run({ steps: 3, controlnet: { args: [unit({ model: 'cn-xl' })] } }, [sdxl, cnXl]);
    expect(calls('controlnet')).toBe(3);
    const without = await run({ steps: 3 }, [sdxl]);
    expect(meanAbsDiff(await pixels(r), await pixels(without))).toBeGreaterThan(0.2);
  });

  // Models are named through functions: the table is built before beforeAll assigns them.
  const failures: Array<[string, Record<string, unknown>, (() => RunnerModel[]) | undefined, string | RegExp]> = [
    ['an unknown preprocessor', unit({ preprocessor: 'depth_leres++' }), undefined, 'controlnet.args[0]: preprocessor "depth_leres++" needs a depth estimation model, which is not installed; supported: none, invert, canny, mlsd'],
    ['a made-up preprocessor', unit({ preprocessor: 'sparkles' }), undefined, /unknown preprocessor "sparkles"; supported: none, invert, canny, mlsd, openpose, scribble_xdog, lineart_standard, tile_resample, scribble, xdog, lineart, tile/],
    ['openpose (no pose model installed)', unit({ preprocessor: 'openpose_full' }), undefined, /preprocessor "openpose_full" needs a pose estimation model, which is not installed; supported: .*canny/],
    ['an unknown ControlNet model', unit({ model: 'nope' }), undefined, 'controlnet.args[0].model: unknown ControlNet "nope"; provided to the engine: "cn-a", "cn-b"'],
    ['a ControlNet of another family', unit({ model: 'cn-xl' }), () => [base, cnXl], 'controlnet.args[0].model: ControlNet "cn-xl" is for SDXL but the checkpoint is SD1'],
    ['a setting the preprocessor does not read', unit({ preprocessorParams: { sharpness: 3 } }), undefined, /preprocessorParams.sharpness is not a setting of "canny"; it reads: low_threshold\/threshold_a\/lowThreshold/],
    ['a setting out of range', unit({ preprocessorParams: { low_threshold: 300 } }), undefined, 'controlnet.args[0]: preprocessorParams.low_threshold must be between 1 and 255, got 300'],
    ['low above high', unit({ preprocessorParams: { low_threshold: 220 } }), undefined, 'controlnet.args[0].preprocessorParams: low_threshold (220) must not be greater than high_threshold (200)'],
    ['no image in a txt2img job', unit({ inputImageResourceId: undefined }), undefined, 'controlnet.args[0].inputImageResourceId is required: the unit has no image and the job has no start image'],
    ['an unreadable image', unit({ inputImageResourceId: 'junk' }), undefined, /controlnet.args\[0\].inputImageResourceId: image junk is not a readable image/],
    ['a missing mask', unit({ maskResourceId: 'gone' }), undefined, /controlnet.args\[0\].maskResourceId: image gone could not be read/],
    ['a UNet without ControlNet inputs', unit(), () => [plain, cnA], /controlnet.args\[0\]: ControlNet "cn-a" cannot drive the UNet of "tiny-plain": the UNet has no ControlNet residual inputs/],
  ];

  it.each(failures)('refuses %s with a FatalRunError before any step', async (_what, u, models, message) => {
    const given = models?.() ?? [base, cnA, cnB];
    const attempt = run({ controlnet: { args: [unit(), u] } }, given);
    await expect(attempt).rejects.toBeInstanceOf(FatalRunError);
    await expect(run({ controlnet: { args: [u] } }, given)).rejects.toThrow(message);
    expect(calls('unet')).toBe(0);
    expect(calls('controlnet')).toBe(0);
  });

  it('a hint image of another aspect ratio is fitted by its resize mode (the runs differ)', async () => {
    const wide = await sharp({ create: { width: 256, height: 64, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .composite([{ input: await sharp({ create: { width: 40, height: 64, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer(), left: 10, top: 0 }])
      .png()
      .toBuffer();
    resources.wide = wide;
    const out = await Promise.all(
      ['JUST_RESIZE', 'CROP_AND_RESIZE', 'RESIZE_AND_FILL'].map(async (resizeMode) =>
        pixels(await run({ steps: 3, controlnet: { args: [unit({ preprocessor: 'none', inputImageResourceId: 'wide', resizeMode })] } })),
      ),
    );
    expect(meanAbsDiff(out[0], out[1])).toBeGreaterThan(0.1);
    expect(meanAbsDiff(out[1], out[2])).toBeGreaterThan(0.1);
  });
});
