import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { generateTinyLayerDiffusion, generateTinySd15 } from '@darkroom/testing';
import { checkpoint, jobRequest, makeTempDir, meanAbsDiff, removeDir, runJob, type JobSpec } from '../engine/engine.test-helper';
import { FatalRunError, type RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';

const SMALL = { width: 64, height: 64 };

async function rgba(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const alpha = Buffer.alloc(info.width * info.height);
  const rgb = Buffer.alloc(info.width * info.height * 3);
  for (let p = 0; p < alpha.length; p++) {
    alpha[p] = data[p * info.channels + 3];
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = data[p * info.channels + c];
  }
  return { channels: info.channels, alpha, rgb };
}

describe('layerDiffusion (transparency decoder + layer LoRA, real ONNX)', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let layered: RunnerModel;
  let noLora: RunnerModel;
  let plain: RunnerModel;
  const notices: string[] = [];
  const calls = (label: string) => runner.stats.byComponent.get(label)?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    for (const name of ['layered', 'nolora', 'plain']) await generateTinySd15(path.join(root, name));
    await generateTinyLayerDiffusion(path.join(root, 'layered'));
    await generateTinyLayerDiffusion(path.join(root, 'nolora'), { lora: false });
    layered = checkpoint(path.join(root, 'layered'), '501', 'tiny-layered');
    noLora = checkpoint(path.join(root, 'nolora'), '502', 'tiny-nolora');
    plain = checkpoint(path.join(root, 'plain'), '503', 'tiny-plain');
    runner = createOnnxJobRunner({ intraOpThreads: 1, onNotice: (_, n) => notices.push(n) });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  beforeEach(() => {
    runner.stats.reset();
    notices.length = 0;
  });

  const job = (layerDiffusion: Record<string, unknown> | undefined, models = [layered], over: JobSpec = {}) =>
    runJob(runner, jobRequest({ size: SMALL, init: { count: 2 }, diffusion: { layerDiffusion }, ...over }), models);

  it('writes PNGs with an alpha channel of varying values, one decoder call per image', async () => {
    const { outputs } = await job({ enable: true });
    expect(calls('vae_transparent_decoder')).toBe(2);
    for (const o of outputs) {
      const meta = await sharp(o.data).metadata();
      expect([meta.format, meta.channels, meta.hasAlpha, meta.width]).toEqual(['png', 4, true, 64]);
      const { alpha } = await rgba(o.data);
      const values = [...alpha];
      expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(50);
      expect(new Set(values).size).toBeGreaterThan(20);
      expect(values.filter((v) => v === 255).length).toBeLessThan(values.length / 2);
    }
    // Without the flag the same checkpoint gives opaque RGB images.
    const opaque = await job(undefined);
    expect((await sharp(opaque.outputs[0].data).metadata()).channels).toBe(3);
    expect(calls('vae_transparent_decoder')).toBe(2);
  });

  it('merges the layer LoRA at layerDiffusion.weight, and works without the LoRA file', async () => {
    // (TAMS reads weight 0 as unset, i.e. 1.)
    const full = await rgba((await job({ enable: true, weight: 1 })).outputs[0].data);
    const half = await rgba((await job({ enable: true, weight: 0.5 })).outputs[0].data);
    const double = await rgba((await job({ enable: true, weight: 2 })).outputs[0].data);
    const bare = await rgba((await job({ enable: true }, [noLora])).outputs[0].data);
    expect(meanAbsDiff(full.rgb, bare.rgb)).toBeGreaterThan(0.5);
    expect(meanAbsDiff(full.rgb, half.rgb)).toBeGreaterThan(0.1);
    expect(meanAbsDiff(full.rgb, double.rgb)).toBeGreaterThan(0.1);
    // Half the LoRA lands between none and all of it.
    expect(meanAbsDiff(half.rgb, bare.rgb)).toBeLessThan(meanAbsDiff(full.rgb, bare.rgb));
    await job({ enable: true, weight: 0.5 }, [noLora]);
    expect(notices).toEqual(['layerDiffusion.weight 0.5 has no effect: "tiny-nolora" has no layer_diffusion/layer_lora.safetensors']);
  });

  it('keeps alpha in WebP; JPEG (no alpha) is flattened on white', async () => {
    for (const [format, channels] of [['webp', 4], ['jpeg', 3]] as const) {
      const r = createOnnxJobRunner({ intraOpThreads: 1, outputFormat: format });
      try {
        const { outputs } = await runJob(r, jobRequest({ size: SMALL, diffusion: { layerDiffusion: { enable: true } } }), [layered]);
        expect((await sharp(outputs[0].data).metadata()).channels).toBe(channels);
      } finally {
        await r.close();
      }
    }
  });

  it('refuses the flag without the decoder, naming the missing file, before any UNet call', async () => {
    const attempt = job({ enable: true }, [plain]);
    await expect(attempt).rejects.toThrow(FatalRunError);
    await expect(attempt).rejects.toThrow(
      'layerDiffusion needs a layer_diffusion/ component (transparency decoder and attention weights) in "tiny-plain": missing layer_diffusion/vae_transparent_decoder/model.onnx',
    );
    await rm(path.join(root, 'nolora', 'layer_diffusion', 'vae_transparent_decoder', 'model.onnx'));
    await expect(job({ enable: true }, [noLora])).rejects.toThrow(/missing layer_diffusion\/vae_transparent_decoder\/model\.onnx/);
    expect(calls('unet')).toBe(0);
  });
});
