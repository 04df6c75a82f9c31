import { copyFile, mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { floatTensor, generateTinyLora, generateTinySd15, generateTinySdxl, writeSafetensors } from '@darkroom/testing';
import { checkpoint, jobRequest, makeTempDir, meanAbsDiff, rawPixels, removeDir, runJob, testPicture, type JobSpec } from '../engine/engine.test-helper';
import { sessionOptions } from '../engine/execution-options';
import { readModelFolder } from '../engine/model-folder';
import { loadPipeline, TokenizerCache } from '../engine/pipeline-loader';
import { OnnxWeights } from '../engine/onnx-initializers';
import { readPngText } from '../engine/png-text';
import { TOKEN_TABLE } from '../engine/textual-inversion';
import { SessionCache } from '../engine/session-cache';
import { decodeLatent, encodeImage, loadRgb } from '../engine/vae';
import { STAGE_EXECUTORS } from '../stages/stage-registry';
import { CanceledRunError, FatalRunError, type RunnerModel } from './job-runner';
import { createOnnxJobRunner, OnnxJobRunner } from './onnx-job-runner';

const SMALL = { width: 128, height: 128 };

describe('OnnxJobRunner', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let sd15: RunnerModel;
  let sdxl: RunnerModel;
  let otherVae: RunnerModel;
  let bare: RunnerModel;
  let loraA: RunnerModel;
  let loraB: RunnerModel;
  let alien: RunnerModel;
  let pictureA: Buffer;
  let pictureB: Buffer;
  const notices: string[] = [];
  const unetCalls = () => runner.stats.byComponent.get('unet')?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'sd15'));
    await generateTinySdxl(path.join(root, 'sdxl'));
    await generateTinySd15(path.join(root, 'vae'), { seed: 7 });
    await generateTinySd15(path.join(root, 'bare'), { hiddenStates: false, seed: 3 });
    // An alternative text encoder (another model's weights, same width) selectable by name.
    await mkdir(path.join(root, 'sd15', 'text_encoder_long'));
    await copyFile(path.join(root, 'vae', 'text_encoder', 'model.onnx'), path.join(root, 'sd15', 'text_encoder_long', 'model.onnx'));
    await rm(path.join(root, 'bare', 'vae_encoder'), { recursive: true });
    sd15 = checkpoint(path.join(root, 'sd15'), '101', 'tiny-sd15');
    sdxl = checkpoint(path.join(root, 'sdxl'), '102', 'tiny-sdxl', 'SDXL');
    otherVae = { id: '103', kind: 'VAE', name: 'other-vae', baseModel: 'SD1', path: path.join(root, 'vae') };
    bare = checkpoint(path.join(root, 'bare'), '104', 'bare');
    const lora = (id: string, name: string) => ({ id, kind: 'LORA', name, baseModel: 'SD1', path: path.join(root, `${name}.safetensors`) });
    await generateTinyLora(path.join(root, 'style.safetensors'), { seed: 11 });
    await generateTinyLora(path.join(root, 'detail.safetensors'), { seed: 12, targets: 'attention+mlp' });
    await writeSafetensors(path.join(root, 'alien.safetensors'), {
      'lora_unet_no_such_block.lora_down.weight': floatTensor([2, 4], new Float32Array(8)),
      'lora_unet_no_such_block.lora_up.weight': floatTensor([4, 2], new Float32Array(8)),
    });
    [loraA, loraB, alien] = [lora('201', 'style'), lora('202', 'detail'), lora('203', 'alien')];
    pictureA = await testPicture(160, 120, 0);
    pictureB = await testPicture(128, 128, 1);
    runner = createOnnxJobRunner({ intraOpThreads: 1, previewEveryMs: 0, onNotice: (_, n) => notices.push(n) });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  beforeEach(() => runner.stats.reset());

  const run = (spec: JobSpec, models: RunnerModel[] = [sd15], extra: Parameters<typeof runJob>[3] = {}) =>
    runJob(runner, jobRequest({ size: SMALL, ...spec }), models, { resources: { a: pictureA, b: pictureB, junk: Buffer.from('nope') }, ...extra });

  it('runs a txt2img job end to end: PNGs of the requested size with A1111 parameters, seeds, progress and previews', async () => {
    const { outputs, progress } = await runJob(
      runner,
      jobRequest({ init: { count: 2 }, diffusion: { prompts: [{ text: 'a (red:1.2) cat' }], negativePrompts: [{ text: 'blurry' }] } }),
      [sd15],
    );
    expect(outputs.map((o) => [o.kind, o.stageIndex, o.index, o.seed, o.format, o.contentType, o.width, o.height])).toEqual([
      ['IMAGE', 1, 0, 1234n, 'png', 'image/png', 512, 512],
      ['IMAGE', 1, 1, 1235n, 'png', 'image/png', 512, 512],
    ]);
    const meta = await sharp(outputs[0].data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 512, 512]);
    expect(readPngText(outputs[1].data).parameters).toBe(
      'a (red:1.2) cat\nNegative prompt: blurry\nSteps: 3, Sampler: Euler, Schedule type: Normal, CFG scale: 7, Seed: 1235, ' +
        'Size: 512x512, Model: tiny-sd15, Version: darkroom',
    );
    expect(progress.map((p) => [p.stageIndex, p.stageCount, p.step, p.totalSteps, p.images.map((i) => i.progress)])).toEqual([
      [1, 2, 1, 3, [33, 33]],
      [1, 2, 2, 3, [67, 67]],
      [1, 2, 3, 3, [100, 100]],
    ]);
    const preview = progress[0].images[0].preview!;
    expect([preview.width, preview.height, (await sharp(preview.data).metadata()).format]).toEqual([64, 64, 'webp']);
    // One batched UNet call per step (2 images × cond/uncond).
    expect(unetCalls()).toBe(3);
    expect(runner.heldModels()).toEqual(['101']);
  });

  it('is deterministic: same seed and parameters give identical bytes, another seed does not', async () => {
    const a = await run({ init: { seed: 99 }, diffusion: { sampler: 'Euler a' } });
    const b = await run({ init: { seed: 99 }, diffusion: { sampler: 'Euler a' } });
    const c = await run({ init: { seed: 100 }, diffusion: { sampler: 'Euler a' } });
    const d = await run({ init: { seed: 99 }, diffusion: { sampler: 'Euler a', etaNoiseSeedDelta: 31337 } });
    expect(a.outputs[0].data.equals(b.outputs[0].data)).toBe(true);
    const pixels = await Promise.all([a, c, d].map((r) => rawPixels(r.outputs[0].data)));
    expect(meanAbsDiff(pixels[0].data, pixels[1].data)).toBeGreaterThan(2);
    expect(meanAbsDiff(pixels[0].data, pixels[2].data)).toBeGreaterThan(0); // ENSD reseeds the ancestral noise
  });

  it('samples images of one job as it samples them alone (batched or not)', async () => {
    const batch = await run({ init: { seed: 5, count: 2 }, diffusion: { sampler: 'DPM++ 2M' } });
    const alone = await run({ init: { seed: 6 }, diffusion: { sampler: 'DPM++ 2M' } });
    const [x, y] = await Promise.all([rawPixels(batch.outputs[1].data), rawPixels(alone.outputs[0].data)]);
    expect(meanAbsDiff(x.data, y.data)).toBeLessThan(0.5);
  });

  it('img2img: strength 0 returns the start image through the VAE, strength 1 ignores it', async () => {
    const zeroA = await run({ init: { imageResourceId: 'a' }, diffusion: { denoisingStrength: 0 } });
    expect(unetCalls()).toBe(0);
    expect(zeroA.progress).toEqual([]);
    const zeroB = await run({ init: { imageResourceId: 'b' }, diffusion: { denoisingStrength: 0 } });
    const [pa, pb] = await Promise.all([rawPixels(zeroA.outputs[0].data), rawPixels(zeroB.outputs[0].data)]);
    expect(meanAbsDiff(pa.data, pb.data)).toBeGreaterThan(5);
    // Exactly the start image (resized) through VAE encode → decode.
    const model = readModelFolder(sd15.path);
    const cache = new SessionCache({ memoryBudgetBytes: 1e9, sessionOptions: sessionOptions({ intraOpThreads: 1 }) });
    const p = await loadPipeline(cache, new TokenizerCache(), { model, modelKey: 'x', encoders: model.textEncoders, vaeEncoder: true });
    const start = await loadRgb(pictureA, 128, 128);
    const roundTrip = await decodeLatent(p.vaeDecoder, await encodeImage(p.vaeEncoder!, start, p.vaeScalingFactor), 16, 16, p.vaeScalingFactor);
    p.release();
    await cache.clear();
    expect(Buffer.from(roundTrip.data).equals(pa.data)).toBe(true);

    const fullA = await run({ init: { imageResourceId: 'a' }, diffusion: { denoisingStrength: 1 } });
    const fullB = await run({ init: { imageResourceId: 'b' }, diffusion: { denoisingStrength: 1 } });
    const txt = await run({});
    const [fa, fb, t] = await Promise.all([fullA, fullB, txt].map((r) => rawPixels(r.outputs[0].data)));
    expect(fa.data.equals(fb.data)).toBe(true);
    expect(fa.data.equals(t.data)).toBe(true);

    runner.stats.reset();
    const halfA = await run({ init: { imageResourceId: 'a' }, diffusion: { denoisingStrength: 0.5, steps: 6 } });
    expect(halfA.progress.map((p) => p.totalSteps)).toEqual([4, 4, 4, 4]); // A1111: ⌊0.5 · 6⌋ + 1 steps
    expect(unetCalls()).toBe(4);
    const halfB = await run({ init: { imageResourceId: 'b' }, diffusion: { denoisingStrength: 0.5, steps: 6 } });
    const [ha, hb] = await Promise.all([rawPixels(halfA.outputs[0].data), rawPixels(halfB.outputs[0].data)]);
    expect(meanAbsDiff(ha.data, hb.data)).toBeGreaterThan(1);
    expect(readPngText(halfA.outputs[0].data).parameters).toContain('Denoising strength: 0.5');
  });

  it('img2img also works with the timestep samplers (DDIM)', async () => {
    const r = await run({ init: { imageResourceId: 'a' }, diffusion: { denoisingStrength: 0.5, steps: 4, sampler: 'DDIM' } });
    expect(r.progress.map((p) => p.step)).toEqual([1, 2]);
    expect(r.outputs[0].width).toBe(128);
  });

  it('runs SDXL (two encoders, pooled embeddings, size ids)', async () => {
    const r = await run({ init: { count: 2 }, diffusion: { sampler: 'DPM++ 2M SDE', clipSkip: 2 } }, [sdxl]);
    expect(r.outputs.map((o) => [o.width, o.height, o.seed])).toEqual([
      [128, 128, 1234n],
      [128, 128, 1235n],
    ]);
    expect(readPngText(r.outputs[0].data).parameters).toContain('Sampler: DPM++ 2M SDE, Schedule type: Exponential');
    expect(runner.heldModels()).toContain('102');
  });

  it('stops between steps when the job is cancelled', async () => {
    await expect(run({ diffusion: { steps: 10 } }, [sd15], { cancelAfterStep: 2 })).rejects.toThrow(CanceledRunError);
    expect(unetCalls()).toBe(2);
  });

  it('selects text encoders and VAEs by name', async () => {
    const base = await run({});
    const v1 = await run({ diffusion: { v1Clip: true } });
    expect(v1.outputs[0].data.equals(base.outputs[0].data)).toBe(true); // an SD1 model's own encoder is CLIP v1
    const long = await run({ diffusion: { clipEncoderName: 'long' } });
    const vae = await run({ diffusion: { sdVae: 'other-vae' } }, [sd15, otherVae]);
    const [b, l, v] = await Promise.all([base, long, vae].map((r) => rawPixels(r.outputs[0].data)));
    expect(meanAbsDiff(b.data, l.data)).toBeGreaterThan(0.5);
    expect(meanAbsDiff(b.data, v.data)).toBeGreaterThan(0.5);
    expect(readPngText(vae.outputs[0].data).parameters).toContain('VAE: other-vae');
    expect(runner.heldModels()).toEqual(expect.arrayContaining(['101', '103']));
  });

  it('merges LoRAs (several at once, with block weights); lbw zeros everywhere equal no LoRA', async () => {
    const models = [sd15, loraA, loraB, alien];
    const base = await run({}, models);
    const one = await run({ diffusion: { lora: { items: [{ loraModel: 'style' }] } } }, models);
    const two = await run({ diffusion: { lora: { items: [{ loraModel: 'style', weight: 0.5 }, { loraModel: '202' }] } } }, models);
    const zero17 = Array(17).fill(0).join(',');
    const zero = await run({ diffusion: { lora: { items: [{ loraModel: 'style', blockWeight: `1:lbw=${zero17}` }] } } }, models);
    const [b, o, t] = await Promise.all([base, one, two].map((r) => rawPixels(r.outputs[0].data)));
    expect(meanAbsDiff(b.data, o.data)).toBeGreaterThan(0.5);
    expect(meanAbsDiff(o.data, t.data)).toBeGreaterThan(0.5);
    expect(zero.outputs[0].data.equals(base.outputs[0].data)).toBe(true);
    // The merged sessions are cached: the same LoRA set again gives the same bytes.
    const again = await run({ diffusion: { lora: { items: [{ loraModel: 'style' }] } } }, models);
    expect(again.outputs[0].data.equals(one.outputs[0].data)).toBe(true);
  });

  it('runs a LyCORIS (LoHa) item like a LoRA: it changes the image, and block weights of zeros equal none', async () => {
    const key = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_v';
    const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f));
    await writeSafetensors(path.join(root, 'hada.safetensors'), {
      [`${key}.hada_w1_a`]: floatTensor([32, 2], wave(64, 0.7)),
      [`${key}.hada_w1_b`]: floatTensor([2, 32], wave(64, 1.3)),
      [`${key}.hada_w2_a`]: floatTensor([32, 2], wave(64, 2.1)),
      [`${key}.hada_w2_b`]: floatTensor([2, 32], wave(64, 0.4)),
    });
    const hada: RunnerModel = { id: '204', kind: 'LYCORIS', name: 'hada', baseModel: 'SD1', path: path.join(root, 'hada.safetensors') };
    const base = await run({}, [sd15, hada]);
    const merged = await run({ diffusion: { lora: { items: [{ loraModel: 'hada', weight: 3 }] } } }, [sd15, hada]);
    const zero = await run({ diffusion: { lora: { items: [{ loraModel: 'hada', weight: 3, blockWeight: `1:lbw=${Array(17).fill(0).join(',')}` }] } } }, [sd15, hada]);
    const [b, m] = await Promise.all([base, merged].map((r) => rawPixels(r.outputs[0].data)));
    expect(meanAbsDiff(b.data, m.data)).toBeGreaterThan(0.5);
    expect((await rawPixels(zero.outputs[0].data)).data.equals(b.data)).toBe(true);
  });

  it('substitutes textual-inversion vectors at the prompt position (positive and negative prompts)', async () => {
    // An embedding made of the token rows of "a cat" must condition exactly like the words "a cat".
    const table = await OnnxWeights.read(path.join(root, 'sd15', 'text_encoder', 'model.onnx'));
    const rows = table.get(TOKEN_TABLE);
    const kitty = new Float32Array(64);
    kitty.set(rows.subarray(320 * 32, 321 * 32), 0);
    kitty.set(rows.subarray(2368 * 32, 2369 * 32), 32);
    await writeSafetensors(path.join(root, 'kitty.safetensors'), { emb_params: floatTensor([2, 32], kitty) });
    const emb: RunnerModel = { id: '301', kind: 'TEXTUAL_INVERSION', name: 'kitty', baseModel: 'SD1', path: path.join(root, 'kitty.safetensors') };
    const words = await run({ diffusion: { prompts: [{ text: 'a photo of a cat' }], negativePrompts: [{ text: 'a cat' }] } });
    const withEmbedding = await run(
      { diffusion: { prompts: [{ text: 'a photo of kitty' }], negativePrompts: [{ text: 'kitty' }], embedding: { items: [{ model: 'kitty' }] } } },
      [sd15, emb],
    );
    const literal = await run({ diffusion: { prompts: [{ text: 'a photo of kitty' }], negativePrompts: [{ text: 'kitty' }] } });
    const [w, e, l] = await Promise.all([words, withEmbedding, literal].map((r) => rawPixels(r.outputs[0].data)));
    expect(w.data.equals(e.data)).toBe(true);
    expect(meanAbsDiff(w.data, l.data)).toBeGreaterThan(0.5);
    const halved = await run({ diffusion: { prompts: [{ text: 'a photo of kitty' }], embedding: { items: [{ model: '301', weight: 0.5 }] } } }, [sd15, emb]);
    expect(meanAbsDiff((await rawPixels(halved.outputs[0].data)).data, e.data)).toBeGreaterThan(0.5);
  });

  it('accepts useHunyuanDit as a deprecated no-op and writes WebP when asked', async () => {
    notices.length = 0;
    await run({ diffusion: { useHunyuanDit: true } });
    expect(notices).toEqual(['useHunyuanDit is deprecated and has no effect']);
    const webpRunner = createOnnxJobRunner({ outputFormat: 'webp', intraOpThreads: 1 });
    try {
      const r = await runJob(webpRunner, jobRequest({ size: SMALL }), [sd15]);
      expect([r.outputs[0].format, r.outputs[0].contentType, (await sharp(r.outputs[0].data).metadata()).format]).toEqual(['webp', 'image/webp', 'webp']);
    } finally {
      await webpRunner.close();
    }
  });

  // [label, request, message, checkpoint: 'sd15' | 'sdxl' | 'bare']
  const bad: [string, JobSpec, RegExp, 'sd15' | 'sdxl' | 'bare'][] = [
    ['unknown sampler', { diffusion: { sampler: 'Foo' } }, /unknown sampler "Foo"; supported: .*Euler a/, 'sd15'],
    ['unknown schedule', { diffusion: { scheduleName: 'wobbly' } }, /wobbly.*karras/i, 'sd15'],
    ['unknown clip encoder', { diffusion: { clipEncoderName: 'huge' } }, /unknown clipEncoderName "huge"; model "tiny-sd15" offers: default, long/, 'sd15'],
    ['v1Clip on SDXL', { diffusion: { v1Clip: true } }, /v1Clip needs .*text_encoder_v1/, 'sdxl'],
    ['unknown VAE', { diffusion: { sdVae: 'nope' } }, /unknown VAE "nope"/, 'sd15'],
    ['checkpoint not provided', { diffusion: { sdModel: 'other' } }, /checkpoint "other" was not provided/, 'sd15'],
    ['pix2pix without its UNet', { diffusion: { enablePix2pix: true } }, /enablePix2pix needs an InstructPix2Pix checkpoint/, 'sd15'],
    ['layerDiffusion without its component', { diffusion: { layerDiffusion: { enable: true } } }, /layerDiffusion needs a layer_diffusion\/ component/, 'sd15'],
    ['ELLA without its component', { diffusion: { enableElla: true } }, /enableElla needs an ella\/ component/, 'sd15'],
    ['unknown LoRA', { diffusion: { lora: { items: [{ loraModel: 'x' }] } } }, /unknown LoRA "x"/, 'sd15'],
    ['LoRA for another architecture', { diffusion: { lora: { items: [{ loraModel: 'alien' }] } } }, /LoRA "alien" matches no weight of the unet/, 'sd15'],
    ['SDXL block weights on an SD1 model', { diffusion: { lora: { items: [{ loraModel: 'style', blockWeight: `1:lbw=${Array(12).fill(1).join(',')}` }] } } }, /blockWeight has 12 values; SD1 models take 17 or 26/, 'sd15'],
    ['unknown embedding', { diffusion: { embedding: { items: [{ model: 'x' }] } } }, /unknown embedding "x"/, 'sd15'],
    [
      'unknown hrUpscaler (the error lists every supported name)',
      { extraStages: [{ type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'SwinIR 4x', hrScale: 2, denoisingStrength: 0.5 } }] },
      /unknown hrUpscaler "SwinIR 4x"; supported: Latent, Latent \(antialiased\), .*Lanczos, Nearest, ESRGAN slim 2x, .*ESRGAN medium 8x$/,
      'sd15',
    ],
    [
      'inpaint mask that cannot be read',
      { init: { imageResourceId: 'a' }, extraStages: [{ type: 'IMAGE_TO_INPAINT', imageToInpaint: { maskImageResourceId: 'junk' } }] },
      /mask image junk is not a readable image/,
      'sd15',
    ],
    ['clip skip without hidden states', { diffusion: { clipSkip: 2 } }, /clipSkip 2 needs the text_encoder outputs hidden_states/, 'bare'],
    ['img2img without a VAE encoder', { init: { imageResourceId: 'a' }, diffusion: { denoisingStrength: 0.5 } }, /lacks vae_encoder\/model\.onnx/, 'bare'],
    ['unreadable start image', { init: { imageResourceId: 'junk' }, diffusion: { denoisingStrength: 0.5 } }, /input image junk is not a readable image/, 'sd15'],
    ['missing start image', { init: { imageResourceId: 'gone' }, diffusion: { denoisingStrength: 0.5 } }, /input image gone could not be read/, 'sd15'],
  ];

  it.each(bad)('%s is a FatalRunError before any UNet call', async (_label, spec, message, which) => {
    const failure = run(spec, [{ sd15, sdxl, bare }[which], loraA, alien]).then(
      () => null,
      (e: unknown) => e,
    );
    const error = await failure;
    expect(error).toBeInstanceOf(FatalRunError);
    expect((error as Error).message).toMatch(message);
    expect(unetCalls()).toBe(0);
  });

  // Stage types without an executor yet (ADetailer, AnimateDiff until they land) are refused by name before anything
  // runs; the list follows the registry, so a type that gets its executor drops out of this test by itself.
  const UNREGISTERED_EXAMPLES: Record<string, Record<string, unknown>> = {
    IMAGE_TO_ADETAILER: { type: 'IMAGE_TO_ADETAILER', imageToAdetailer: { args: [{ adModel: 'face_yolov8n.pt' }] } },
    IMAGE_TO_ANIMATE_DIFF: { type: 'IMAGE_TO_ANIMATE_DIFF', diffusion: { prompts: [{ text: 'a cat' }], steps: 3, animateDiff: { args: [{ videoLength: 4 }] } } },
  };

  it('refuses a stage type the engine has no executor for, by name, before any UNet call', async () => {
    const missing = Object.keys(UNREGISTERED_EXAMPLES).filter((type) => !(type in STAGE_EXECUTORS));
    for (const type of missing) {
      const error = await run({ extraStages: [UNREGISTERED_EXAMPLES[type]] }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(FatalRunError);
      expect((error as Error).message).toBe(`stage ${type} is not supported by this engine yet`);
    }
    // The same rule with a registry that lacks the upscaler: refused although the request is valid.
    const partial = createOnnxJobRunner({ intraOpThreads: 1, stages: { INPUT_INITIALIZE: STAGE_EXECUTORS.INPUT_INITIALIZE, DIFFUSION: STAGE_EXECUTORS.DIFFUSION } });
    try {
      const job = jobRequest({ size: SMALL, extraStages: [{ type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'Latent', hrScale: 2, denoisingStrength: 0.5 } }] });
      await expect(runJob(partial, job, [sd15])).rejects.toThrow(new FatalRunError('stage IMAGE_TO_UPSCALER is not supported by this engine yet'));
      expect(partial.stats.byComponent.get('unet')?.calls ?? 0).toBe(0);
    } finally {
      await partial.close();
    }
    expect(unetCalls()).toBe(0);
  });

  it('with a zero memory budget holds no model after a job', async () => {
    const lean = createOnnxJobRunner({ memoryBudgetBytes: 0, intraOpThreads: 1 });
    await runJob(lean, jobRequest({ size: SMALL, diffusion: { steps: 1 } }), [sd15]);
    await new Promise((r) => setImmediate(r));
    expect(lean.heldModels()).toEqual([]);
  });
});
