import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { EXPORT_STYLES, generateTinySd15, generateTinySd2, generateTinySdxl, type TinyModelOptions } from '@darkroom/testing';
import { FatalRunError } from '../runner/job-runner';
import { makeTempDir, removeDir } from './engine.test-helper';
import { sessionOptions } from './execution-options';
import { guidedUNet } from './guided-unet';
import { assertRunnable, readModelFolder } from './model-folder';
import { RunStats } from './onnx-component';
import { loadPipeline, TokenizerCache } from './pipeline-loader';
import { SessionCache } from './session-cache';
import { encodePromptPair } from './text-conditioning';
import { encodeImage, decodeLatent } from './vae';

describe('model loading', () => {
  let root: string;
  const stats = new RunStats();
  const cache = new SessionCache({ memoryBudgetBytes: 1e9, sessionOptions: sessionOptions({ intraOpThreads: 1 }), stats });
  const tokenizers = new TokenizerCache();

  beforeAll(async () => {
    root = await makeTempDir();
  });
  afterAll(async () => {
    await cache.clear();
    await removeDir(root);
  });

  const styles: [string, 'sd15' | 'sd2' | 'sdxl', TinyModelOptions, string][] = [
    ['SD1 optimum legacy (int32 ids, int64 [1] timestep)', 'sd15', EXPORT_STYLES.optimumLegacy, 'SD1'],
    ['SD1 optimum (int64 ids, float32 scalar timestep, latent_parameters)', 'sd15', EXPORT_STYLES.optimum, 'SD1'],
    ['SD1 diffusers script (float32 [1] timestep)', 'sd15', EXPORT_STYLES.diffusersScript, 'SD1'],
    ['SD1 fp16 optimum (float16 everywhere)', 'sd15', { ...EXPORT_STYLES.optimum, float16: true, timestepType: 'float16' }, 'SD1'],
    ['SD2 v-prediction', 'sd2', {}, 'SD2'],
    ['SDXL', 'sdxl', {}, 'SDXL'],
    ['SDXL fp16 optimum', 'sdxl', { ...EXPORT_STYLES.optimum, float16: true, timestepType: 'float16' }, 'SDXL'],
  ];

  it.each(styles)('%s: detects the family and runs every component', async (label, kind, opts, family) => {
    const dir = path.join(root, label.replace(/\W+/g, '-'));
    const generate = { sd15: generateTinySd15, sd2: generateTinySd2, sdxl: generateTinySdxl }[kind];
    const desc = await generate(dir, opts);
    const model = readModelFolder(dir);
    expect(model.family).toBe(family);
    assertRunnable(model, { vaeEncoder: true });
    expect(model.textEncoders.map((e) => e.folder)).toEqual(kind === 'sdxl' ? ['text_encoder', 'text_encoder_2'] : ['text_encoder']);
    expect(model.vaeScalingFactor).toBe(kind === 'sdxl' ? 0.13025 : 0.18215);
    expect(model.unet!.bytes).toBeGreaterThan(10_000);

    const p = await loadPipeline(cache, tokenizers, { model, modelKey: label, encoders: model.textEncoders, vaeEncoder: true });
    try {
      expect(p.schedule.predictionType).toBe(kind === 'sd2' ? 'v_prediction' : 'epsilon');
      // The input dtypes come from the session metadata.
      const unetTypes = Object.fromEntries([...p.unet.inputs].map(([k, v]) => [k, v.type]));
      expect(unetTypes.timestep).toBe(desc.inputs.unet.find((i) => i.name === 'timestep')!.type);
      expect(p.textUnits[0].component.input('input_ids').type).toBe(desc.options.inputIdsType);
      expect(p.textUnits.map((u) => u.padId)).toEqual(kind === 'sd15' ? [49407] : kind === 'sd2' ? [0] : [49407, 0]);

      const { cond, uncond } = await encodePromptPair(
        { units: p.textUnits, family: p.family, zeroEmptyNegative: model.forceZerosForEmptyPrompt },
        [{ text: 'a photo of a cat' }],
        [],
      );
      expect(cond.tokens).toBe(77);
      expect(cond.dim).toBe(kind === 'sdxl' ? desc.options.hiddenSize + desc.options.hiddenSize2 : desc.options.hiddenSize);
      expect(cond.pooled?.length).toBe(kind === 'sdxl' ? desc.options.projectionDim : undefined);
      // SDXL's config zeroes an empty negative prompt; SD1/SD2 encode it.
      expect(uncond.hidden.some((v) => v !== 0)).toBe(kind !== 'sdxl');

      const unet = guidedUNet({
        unet: p.unet,
        count: 2,
        latentHeight: 4,
        latentWidth: 6,
        cfgScale: 7,
        cond,
        uncond,
        timeIds: kind === 'sdxl' ? Float32Array.from([32, 48, 0, 0, 32, 48]) : undefined,
      });
      const x = Float32Array.from({ length: 2 * 4 * 4 * 6 }, (_, i) => Math.sin(i));
      const out = await unet(x, 500.4);
      expect(out.length).toBe(x.length);
      expect(out.every(Number.isFinite)).toBe(true);

      const latent = await encodeImage(p.vaeEncoder!, { data: new Uint8Array(32 * 48 * 3).fill(128), width: 48, height: 32 }, p.vaeScalingFactor);
      expect(latent.length).toBe(4 * 4 * 6);
      const rgb = await decodeLatent(p.vaeDecoder, latent, 4, 6, p.vaeScalingFactor);
      expect([rgb.width, rgb.height, rgb.data.length]).toEqual([48, 32, 48 * 32 * 3]);
    } finally {
      p.release();
    }
    expect(cache.heldModels()).toContain(label);
  });

  it('names every missing part of a folder', async () => {
    const dir = path.join(root, 'broken');
    await generateTinySd15(dir);
    await rm(path.join(dir, 'unet'), { recursive: true });
    await rm(path.join(dir, 'tokenizer', 'merges.txt'));
    const model = readModelFolder(dir);
    expect(() => assertRunnable(model)).toThrow(FatalRunError);
    expect(() => assertRunnable(model)).toThrow(/lacks tokenizer\/merges\.txt, unet\/model\.onnx/);
    expect(() => readModelFolder(path.join(root, 'nowhere'))).toThrow(/does not exist/);
  });

  it('lists alternative text encoders and detects SD2 by encoder width', async () => {
    const dir = path.join(root, 'alt');
    await generateTinySd15(dir);
    await mkdir(path.join(dir, 'text_encoder_long'));
    await copyFile(path.join(dir, 'text_encoder', 'model.onnx'), path.join(dir, 'text_encoder_long', 'model.onnx'));
    const model = readModelFolder(dir);
    expect(model.alternativeEncoders.map((a) => [a.name, path.basename(a.encoders[0].tokenizerDir)])).toEqual([['long', 'tokenizer']]);
    await writeFile(path.join(dir, 'text_encoder', 'config.json'), JSON.stringify({ hidden_size: 1024 }));
    expect(readModelFolder(dir).family).toBe('SD2');
  });
});
