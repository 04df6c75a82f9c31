import * as path from 'node:path';
import { generateTinyPix2pix, generateTinySd15 } from '@darkroom/testing';
import { checkpoint, jobRequest, makeTempDir, meanAbsDiff, rawPixels, removeDir, runJob, testPicture, type JobSpec } from '../engine/engine.test-helper';
import { floatData, floatTensor, OnnxComponent, timestepTensor } from '../engine/onnx-component';
import { FatalRunError, type RunnerModel } from '../runner/job-runner';
import { pix2pixGuidedUNet } from './pix2pix-guidance';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';

const SMALL = { width: 64, height: 64 };

describe('enablePix2pix (InstructPix2Pix, real ONNX on a tiny 8-channel UNet)', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let strongImage: OnnxJobRunner;
  let ip2p: RunnerModel;
  let sidecar: RunnerModel;
  let plain: RunnerModel;
  let resources: Record<string, Buffer>;
  const unetCalls = (r: OnnxJobRunner) => r.stats.byComponent.get('unet')?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinyPix2pix(path.join(root, 'ip2p'));
    await generateTinyPix2pix(path.join(root, 'side'), { layout: 'unet_pix2pix' });
    await generateTinySd15(path.join(root, 'plain'));
    ip2p = checkpoint(path.join(root, 'ip2p'), '401', 'tiny-ip2p');
    sidecar = checkpoint(path.join(root, 'side'), '402', 'tiny-side');
    plain = checkpoint(path.join(root, 'plain'), '403', 'tiny-plain');
    resources = { a: await testPicture(64, 64, 0), b: await testPicture(64, 64, 1) };
    runner = createOnnxJobRunner({ intraOpThreads: 1 });
    strongImage = createOnnxJobRunner({ intraOpThreads: 1, pix2pixImageGuidance: 2 });
  });

  afterAll(async () => {
    await Promise.all([runner?.close(), strongImage?.close()]);
    await removeDir(root);
  });

  beforeEach(() => {
    runner.stats.reset();
    strongImage.stats.reset();
  });

  const edit = (over: JobSpec = {}, models = [ip2p], r = runner) =>
    runJob(r, jobRequest({ size: SMALL, init: { imageResourceId: 'a' }, diffusion: { enablePix2pix: true, denoisingStrength: 1, prompts: [{ text: 'make it red' }] }, ...over }), models, { resources });
  const pixels = async (job: Promise<{ outputs: { data: Buffer }[] }>) => (await rawPixels((await job).outputs[0].data)).data;

  it('edits the input image: the image matters, image guidance 1.5 vs 2 differ, three branches in one UNet call per step', async () => {
    const a = await pixels(edit());
    expect(unetCalls(runner)).toBe(3); // 3 Euler steps, (text+image, image, none) batched
    const again = await pixels(edit());
    expect(a.equals(again)).toBe(true);
    const otherImage = await pixels(edit({ init: { imageResourceId: 'b' }, diffusion: { enablePix2pix: true, denoisingStrength: 1, prompts: [{ text: 'make it red' }] } }));
    expect(meanAbsDiff(a, otherImage)).toBeGreaterThan(1);
    const strong = await pixels(edit({}, [ip2p], strongImage));
    expect(meanAbsDiff(a, strong)).toBeGreaterThan(0.5);
    const otherPrompt = await pixels(edit({ diffusion: { enablePix2pix: true, denoisingStrength: 1, prompts: [{ text: 'a dog' }] } }));
    expect(meanAbsDiff(a, otherPrompt)).toBeGreaterThan(0.5);
  });

  it('image guidance 1 and text guidance 1 run only the full branch (ε = ε(text, image))', async () => {
    const one = createOnnxJobRunner({ intraOpThreads: 1, pix2pixImageGuidance: 1 });
    try {
      await runJob(one, jobRequest({ size: SMALL, init: { imageResourceId: 'a' }, diffusion: { enablePix2pix: true, denoisingStrength: 1, cfgScale: 1 } }), [ip2p], { resources });
      expect(unetCalls(one)).toBe(3);
      const withImageGuidance = await pixels(edit({ diffusion: { enablePix2pix: true, denoisingStrength: 1, cfgScale: 1 } }));
      const none = await pixels(runJob(one, jobRequest({ size: SMALL, init: { imageResourceId: 'a' }, diffusion: { enablePix2pix: true, denoisingStrength: 1, cfgScale: 1 } }), [ip2p], { resources }));
      expect(meanAbsDiff(withImageGuidance, none)).toBeGreaterThan(0.5);
    } finally {
      await one.close();
    }
  });

  it('takes the 8-channel UNet from unet_pix2pix/ beside a regular unet/, and img2img strength still applies', async () => {
    const side = await pixels(edit({}, [sidecar]));
    const main = await pixels(edit());
    // Same generator seed: the sidecar UNet equals the exported one, so the result is the same.
    expect(side.equals(main)).toBe(true);
    const partial = await pixels(edit({ diffusion: { enablePix2pix: true, denoisingStrength: 0.5 } }));
    expect(meanAbsDiff(partial, main)).toBeGreaterThan(0.5);
    // Without the flag the same checkpoint runs its regular 4-channel UNet.
    const regular = await runJob(runner, jobRequest({ size: SMALL }), [sidecar]);
    expect(regular.outputs).toHaveLength(1);
  });

  it('combines the three branches as ε_none + s_t·(ε_full − ε_image) + s_i·(ε_image − ε_none), batched or not', async () => {
    const unet = await OnnxComponent.open('unet', path.join(root, 'ip2p', 'unet', 'model.onnx'), {});
    try {
      const plane = 4 * 4;
      const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.2));
      const cond = { hidden: wave(77 * 32, 0.11), tokens: 77, dim: 32 };
      const uncond = { hidden: wave(77 * 32, 0.37), tokens: 77, dim: 32 };
      const image = wave(4 * plane, 0.5);
      const x = wave(4 * plane, 0.9);
      const branch = async (text: Float32Array, img: Float32Array) => {
        const sample = new Float32Array(8 * plane);
        sample.set(x);
        sample.set(img, 4 * plane);
        const out = await unet.run({
          sample: floatTensor(unet.input('sample'), sample, [1, 8, 4, 4]),
          timestep: timestepTensor(unet.input('timestep'), 500),
          encoder_hidden_states: floatTensor(unet.input('encoder_hidden_states'), text, [1, 77, 32]),
        });
        return floatData(out.out_sample);
      };
      const [full, img, none] = [await branch(cond.hidden, image), await branch(uncond.hidden, image), await branch(uncond.hidden, new Float32Array(4 * plane))];
      const expected = full.map((f, i) => none[i] + 7 * (f - img[i]) + 1.5 * (img[i] - none[i]));
      for (const maxBatch of [undefined, 1, 2]) {
        const call = pix2pixGuidedUNet({ unet, count: 1, latentHeight: 4, latentWidth: 4, textScale: 7, imageScale: 1.5, cond, uncond, imageLatents: image, maxBatch });
        const got = await call(x, 500);
        expect(Math.max(...got.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-4);
      }
    } finally {
      await unet.release();
    }
  });

  it('runs an SDXL InstructPix2Pix UNet (pooled embeddings and time ids per branch)', async () => {
    await generateTinyPix2pix(path.join(root, 'xl'), { family: 'sdxl' });
    const xl = checkpoint(path.join(root, 'xl'), '404', 'tiny-ip2p-xl', 'SDXL');
    const a = await pixels(edit({}, [xl]));
    const b = await pixels(edit({ init: { imageResourceId: 'b' }, diffusion: { enablePix2pix: true, denoisingStrength: 1, prompts: [{ text: 'make it red' }] } }, [xl]));
    expect(unetCalls(runner)).toBe(6);
    expect(meanAbsDiff(a, b)).toBeGreaterThan(1);
  });

  it.each<[string, JobSpec, RegExp, 'ip2p' | 'plain']>([
    ['pix2pix on a 4-channel checkpoint', { init: { imageResourceId: 'a' }, diffusion: { enablePix2pix: true } }, /enablePix2pix needs an InstructPix2Pix checkpoint .*"tiny-plain" has a 4-channel UNet/, 'plain'],
    ['pix2pix without an image', { diffusion: { enablePix2pix: true } }, /enablePix2pix edits an image: the job needs inputInitialize.imageResourceId/, 'ip2p'],
    ['an InstructPix2Pix checkpoint without the flag', { init: { imageResourceId: 'a' } }, /"tiny-ip2p" is an InstructPix2Pix checkpoint \(8-channel UNet\): set enablePix2pix/, 'ip2p'],
  ])('%s is a FatalRunError before any UNet call', async (_label, spec, message, which) => {
    const job = runJob(runner, jobRequest({ size: SMALL, ...spec }), [which === 'ip2p' ? ip2p : plain], { resources });
    await expect(job).rejects.toThrow(FatalRunError);
    await expect(job).rejects.toThrow(message);
    expect(unetCalls(runner)).toBe(0);
  });
});
