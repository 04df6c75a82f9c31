import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import {
  allFinite,
  f32,
  i32,
  i64,
  makeTempDir,
  maxAbs,
  maxAbsDiff,
  openSession,
  pattern,
  promptIds,
  removeDir,
  values,
} from './ort-session.test-helper';
import { generateTinySd15, TinyModelDescription } from './tiny-pipeline.generator';

async function sha256s(dir: string, files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) out[f] = createHash('sha256').update(await readFile(path.join(dir, f))).digest('hex');
  return out;
}

describe('generateTinySd15', () => {
  let root: string;
  let desc: TinyModelDescription;
  let generationMs: number;
  const sessions: InferenceSession[] = [];
  const session = async (component: string) => {
    const s = await openSession(path.join(desc.dir, component, 'model.onnx'));
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'warm-up')); // loads the CLIP merge list once
    const started = performance.now();
    desc = await generateTinySd15(path.join(root, 'a'));
    generationMs = performance.now() - started;
  });

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.release()));
    await removeDir(root);
  });

  it('writes the diffusers/optimum ONNX folder layout in well under a second', () => {
    expect(desc.files).toEqual([
      'model_index.json',
      'scheduler/scheduler_config.json',
      'text_encoder/config.json',
      'text_encoder/model.onnx',
      'tokenizer/merges.txt',
      'tokenizer/special_tokens_map.json',
      'tokenizer/tokenizer_config.json',
      'tokenizer/vocab.json',
      'unet/config.json',
      'unet/model.onnx',
      'vae_decoder/config.json',
      'vae_decoder/model.onnx',
      'vae_encoder/config.json',
      'vae_encoder/model.onnx',
    ]);
    expect(generationMs).toBeLessThan(1000);
  });

  it('is deterministic: same options give byte-identical files, another seed other weights', async () => {
    const again = await generateTinySd15(path.join(root, 'b'));
    const reseeded = await generateTinySd15(path.join(root, 'c'), { seed: 2 });
    const a = await sha256s(desc.dir, desc.files);
    expect(await sha256s(again.dir, again.files)).toEqual(a);
    const c = await sha256s(reseeded.dir, reseeded.files);
    expect(c['unet/model.onnx']).not.toBe(a['unet/model.onnx']);
    expect(c['text_encoder/model.onnx']).not.toBe(a['text_encoder/model.onnx']);
    expect(c['tokenizer/vocab.json']).toBe(a['tokenizer/vocab.json']);
  });

  it('writes model_index, scheduler and component configs as the exporters do', async () => {
    const read = async (f: string) => JSON.parse(await readFile(path.join(desc.dir, f), 'utf8'));
    const index = await read('model_index.json');
    expect(index._class_name).toBe('StableDiffusionPipeline');
    expect(index.unet).toEqual(['diffusers', 'UNet2DConditionModel']);
    expect(index.text_encoder).toEqual(['transformers', 'CLIPTextModel']);
    expect(index.vae).toEqual(['diffusers', 'AutoencoderKL']);
    const scheduler = await read('scheduler/scheduler_config.json');
    expect(scheduler).toMatchObject({ _class_name: 'PNDMScheduler', beta_schedule: 'scaled_linear', num_train_timesteps: 1000, prediction_type: 'epsilon' });
    expect(await read('vae_decoder/config.json')).toMatchObject({ scaling_factor: 0.18215, latent_channels: 4, block_out_channels: [8, 8, 8, 8] });
    expect(await read('unet/config.json')).toMatchObject({ cross_attention_dim: 32, in_channels: 4, sample_size: 64 });
    expect(await read('text_encoder/config.json')).toMatchObject({ hidden_size: 32, num_hidden_layers: 4, vocab_size: 49408 });
  });

  it('writes CLIP tokenizer files in Hugging Face format', async () => {
    const read = (f: string) => readFile(path.join(desc.dir, 'tokenizer', f), 'utf8');
    const vocab = JSON.parse(await read('vocab.json')) as Record<string, number>;
    expect(Object.keys(vocab)).toHaveLength(49408);
    expect(new Set(Object.values(vocab)).size).toBe(49408);
    // "a photo of a cat" → 49406, 320, 1125, 539, 320, 2368, 49407
    expect([vocab['<|startoftext|>'], vocab['a</w>'], vocab['photo</w>'], vocab['of</w>'], vocab['cat</w>'], vocab['<|endoftext|>']]).toEqual([
      49406, 320, 1125, 539, 2368, 49407,
    ]);
    expect(vocab['!']).toBe(0);
    const merges = (await read('merges.txt')).split('\n');
    expect(merges[0]).toBe('#version: 0.2');
    expect(merges[1]).toBe('i n');
    expect(merges.filter((l) => l.length > 0)).toHaveLength(1 + 48894);
    expect(JSON.parse(await read('tokenizer_config.json'))).toMatchObject({ model_max_length: 77, tokenizer_class: 'CLIPTokenizer', pad_token: '<|endoftext|>' });
    expect(JSON.parse(await read('special_tokens_map.json')).bos_token.content).toBe('<|startoftext|>');
  });

  describe('text_encoder', () => {
    let te: InferenceSession;
    beforeAll(async () => {
      te = await session('text_encoder');
    });

    it('has the export names and dtypes', () => {
      expect(te.inputMetadata).toEqual([{ name: 'input_ids', isTensor: true, type: 'int32', shape: ['batch_size', 'sequence_length'] }]);
      expect(te.outputNames).toEqual(['last_hidden_state', 'pooler_output', ...[0, 1, 2, 3, 4].map((i) => `hidden_states.${i}`)]);
    });

    it('encodes a batch of two prompts; outputs differ by prompt and are finite', async () => {
      const r = await te.run({ input_ids: i32([...promptIds('cat'), ...promptIds('dog')], [2, 77]) });
      expect(r.last_hidden_state.dims).toEqual([2, 77, 32]);
      expect(r.pooler_output.dims).toEqual([2, 32]);
      expect(r['hidden_states.4'].dims).toEqual([2, 77, 32]);
      const last = values(r.last_hidden_state);
      expect(allFinite(last)).toBe(true);
      const perItem = 77 * 32;
      // Tokens before "cat"/"dog" are the same; the animal and everything after it differ (causal mixing).
      expect(maxAbsDiff(last.subarray(0, 5 * 32), last.subarray(perItem, perItem + 5 * 32))).toBeLessThan(1e-5);
      expect(maxAbsDiff(last.subarray(5 * 32, 6 * 32), last.subarray(perItem + 5 * 32, perItem + 6 * 32))).toBeGreaterThan(0.01);
      // pooler_output is the final state at the end token (position 6).
      const pooled = values(r.pooler_output);
      expect(maxAbsDiff(pooled.subarray(0, 32), last.subarray(6 * 32, 7 * 32))).toBe(0);
      expect(maxAbsDiff(pooled.subarray(0, 32), pooled.subarray(32, 64))).toBeGreaterThan(0.01);
      // Each layer changes the state, so clip skip picks something different.
      expect(maxAbsDiff(values(r['hidden_states.3']), values(r['hidden_states.4']))).toBeGreaterThan(0.01);
    });

    it('ignores what comes after the end token (padding with 0 or with 49407)', async () => {
      const a = await te.run({ input_ids: i32(promptIds('cat', 49407), [1, 77]) });
      const b = await te.run({ input_ids: i32(promptIds('cat', 0), [1, 77]) });
      expect(maxAbsDiff(values(a.pooler_output), values(b.pooler_output))).toBeLessThan(1e-6);
      expect(maxAbsDiff(values(a.last_hidden_state).subarray(0, 7 * 32), values(b.last_hidden_state).subarray(0, 7 * 32))).toBeLessThan(1e-6);
    });
  });

  describe('unet', () => {
    let unet: InferenceSession;
    const context = pattern(2 * 77 * 32, 0.013);
    const sample = pattern(2 * 4 * 64 * 64, 0.37, 2);
    const feeds = (t: number, s = sample, ctx = context, batch = 2) => ({
      sample: f32(s.subarray(0, batch * 4 * 64 * 64), [batch, 4, 64, 64]),
      timestep: i64([t]),
      encoder_hidden_states: f32(ctx.subarray(0, batch * 77 * 32), [batch, 77, 32]),
    });
    beforeAll(async () => {
      unet = await session('unet');
    });

    it('has the export names and dtypes', () => {
      expect(unet.inputMetadata).toEqual([
        { name: 'sample', isTensor: true, type: 'float32', shape: ['batch_size', 4, 'height', 'width'] },
        { name: 'timestep', isTensor: true, type: 'int64', shape: ['steps'] },
        { name: 'encoder_hidden_states', isTensor: true, type: 'float32', shape: ['batch_size', 'sequence_length', 32] },
      ]);
      expect(unet.outputMetadata).toEqual([{ name: 'out_sample', isTensor: true, type: 'float32', shape: ['batch_size', 4, 'height', 'width'] }]);
    });

    it('runs batch 2 at 64×64 latents (512² images) in well under a second', async () => {
      await unet.run(feeds(500)); // first run includes graph preparation
      const times: number[] = [];
      let out: Float32Array | undefined;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const r = await unet.run(feeds(500));
        times.push(performance.now() - started);
        expect(r.out_sample.dims).toEqual([2, 4, 64, 64]);
        out = values(r.out_sample);
      }
      expect(Math.min(...times)).toBeLessThan(500);
      expect(allFinite(out!)).toBe(true);
      expect(maxAbs(out!)).toBeLessThan(20);
    });

    it('depends on timestep and text; batch items are independent', async () => {
      const base = values((await unet.run(feeds(500))).out_sample);
      const otherT = values((await unet.run(feeds(20))).out_sample);
      const otherText = values((await unet.run(feeds(500, sample, pattern(2 * 77 * 32, 0.031)))).out_sample);
      expect(maxAbsDiff(base, otherT)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(base, otherText)).toBeGreaterThan(1e-3);
      const single = values((await unet.run(feeds(500, sample, context, 1))).out_sample);
      expect(maxAbsDiff(single, base.subarray(0, single.length))).toBeLessThan(1e-4);
    });

    it('accepts one timestep per batch item and odd latent sizes', async () => {
      const r = await unet.run({
        sample: f32(pattern(2 * 4 * 13 * 9, 0.2), [2, 4, 13, 9]),
        timestep: i64([999, 1]),
        encoder_hidden_states: f32(context, [2, 77, 32]),
      });
      expect(r.out_sample.dims).toEqual([2, 4, 13, 9]);
      expect(allFinite(values(r.out_sample))).toBe(true);
    });

    it('stays numerically tame through a 20-step Euler loop with guidance 7.5', async () => {
      const betas = Array.from({ length: 1000 }, (_, i) => (Math.sqrt(0.00085) + (i / 999) * (Math.sqrt(0.012) - Math.sqrt(0.00085))) ** 2);
      let prod = 1;
      const sigmas = betas.map((b) => {
        prod *= 1 - b;
        return Math.sqrt((1 - prod) / prod);
      });
      const steps = Array.from({ length: 20 }, (_, i) => Math.round(999 - (i * 999) / 19));
      const n = 4 * 32 * 32;
      let x = pattern(n, 0.71, sigmas[999]);
      const ctx = pattern(2 * 77 * 32, 0.05);
      for (let i = 0; i < steps.length; i++) {
        const sigma = sigmas[steps[i]];
        const next = i + 1 < steps.length ? sigmas[steps[i + 1]] : 0;
        const inputScale = 1 / Math.sqrt(sigma * sigma + 1);
        const scaled = x.map((v) => v * inputScale);
        const doubled = new Float32Array(2 * n);
        doubled.set(scaled, 0);
        doubled.set(scaled, n);
        const eps = values((await unet.run({ sample: f32(doubled, [2, 4, 32, 32]), timestep: i64([steps[i]]), encoder_hidden_states: f32(ctx, [2, 77, 32]) })).out_sample);
        x = x.map((v, j) => v + (next - sigma) * (eps[j] + 7.5 * (eps[n + j] - eps[j])));
      }
      expect(allFinite(x)).toBe(true);
      expect(maxAbs(x)).toBeLessThan(100);
    });
  });

  describe('vae', () => {
    it('decodes latents [B,4,h,w] to images [B,3,8h,8w] in (-1, 1)', async () => {
      const dec = await session('vae_decoder');
      expect(dec.inputMetadata).toEqual([{ name: 'latent_sample', isTensor: true, type: 'float32', shape: ['batch_size', 4, 'latent_height', 'latent_width'] }]);
      expect(dec.outputNames).toEqual(['sample']);
      const latents = pattern(2 * 4 * 64 * 64, 0.09, 5);
      const r = await dec.run({ latent_sample: f32(latents, [2, 4, 64, 64]) });
      expect(r.sample.dims).toEqual([2, 3, 512, 512]);
      const img = values(r.sample);
      expect(allFinite(img)).toBe(true);
      expect(maxAbs(img)).toBeLessThanOrEqual(1);
      const other = values((await dec.run({ latent_sample: f32(pattern(2 * 4 * 64 * 64, 0.05, 5), [2, 4, 64, 64]) })).sample);
      expect(maxAbsDiff(img, other)).toBeGreaterThan(0.01);
    });

    it('encodes images [B,3,H,W] to latent_sample [B,4,H/8,W/8]', async () => {
      const enc = await session('vae_encoder');
      expect(enc.inputMetadata).toEqual([{ name: 'sample', isTensor: true, type: 'float32', shape: ['batch_size', 3, 'sample_height', 'sample_width'] }]);
      expect(enc.outputNames).toEqual(['latent_sample']);
      const r = await enc.run({ sample: f32(pattern(2 * 3 * 256 * 192, 0.001), [2, 3, 256, 192]) });
      expect(r.latent_sample.dims).toEqual([2, 4, 32, 24]);
      expect(allFinite(values(r.latent_sample))).toBe(true);
    });
  });
});
