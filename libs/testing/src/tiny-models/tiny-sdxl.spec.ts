import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { allFinite, f32, i32, i64, makeTempDir, maxAbsDiff, openSession, pattern, promptIds, removeDir, values } from './ort-session.test-helper';
import { generateTinySdxl, TinyModelDescription } from './tiny-pipeline.generator';

describe('generateTinySdxl', () => {
  let root: string;
  let desc: TinyModelDescription;
  const sessions: InferenceSession[] = [];
  const session = async (component: string) => {
    const s = await openSession(path.join(desc.dir, component, 'model.onnx'));
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    root = await makeTempDir();
    desc = await generateTinySdxl(path.join(root, 'sdxl'));
  });

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.release()));
    await removeDir(root);
  });

  it('writes both text encoders and tokenizers and the SDXL configs', async () => {
    expect(desc.files).toEqual(
      expect.arrayContaining(['text_encoder_2/model.onnx', 'text_encoder_2/config.json', 'tokenizer_2/vocab.json', 'tokenizer_2/merges.txt']),
    );
    const read = async (f: string) => JSON.parse(await readFile(path.join(desc.dir, f), 'utf8'));
    expect(await read('model_index.json')).toMatchObject({
      _class_name: 'StableDiffusionXLPipeline',
      text_encoder_2: ['transformers', 'CLIPTextModelWithProjection'],
      tokenizer_2: ['transformers', 'CLIPTokenizer'],
      force_zeros_for_empty_prompt: true,
    });
    expect(await read('scheduler/scheduler_config.json')).toMatchObject({ _class_name: 'EulerDiscreteScheduler' });
    expect(await read('vae_decoder/config.json')).toMatchObject({ scaling_factor: 0.13025 });
    expect(await read('unet/config.json')).toMatchObject({
      addition_embed_type: 'text_time',
      cross_attention_dim: 96,
      projection_class_embeddings_input_dim: 64 + 6 * 8,
      sample_size: 128,
    });
    expect(await read('tokenizer_2/tokenizer_config.json')).toMatchObject({ pad_token: '!' });
    expect(await read('tokenizer/tokenizer_config.json')).toMatchObject({ pad_token: '<|endoftext|>' });
  });

  it('text_encoder_2 gives text_embeds, last_hidden_state and every layer', async () => {
    const te2 = await session('text_encoder_2');
    expect(te2.outputNames).toEqual(['text_embeds', 'last_hidden_state', ...[0, 1, 2, 3, 4].map((i) => `hidden_states.${i}`)]);
    const r = await te2.run({ input_ids: i32([...promptIds('cat', 0), ...promptIds('dog', 0)], [2, 77]) });
    expect(r.text_embeds.dims).toEqual([2, 64]);
    expect(r.last_hidden_state.dims).toEqual([2, 77, 64]);
    expect(r['hidden_states.3'].dims).toEqual([2, 77, 64]);
    const embeds = values(r.text_embeds);
    expect(allFinite(embeds)).toBe(true);
    expect(maxAbsDiff(embeds.subarray(0, 64), embeds.subarray(64))).toBeGreaterThan(0.01);
  });

  it('text_encoder also exposes hidden states (SDXL uses the penultimate layer)', async () => {
    const te = await session('text_encoder');
    expect(te.outputNames).toEqual(['last_hidden_state', 'pooler_output', ...[0, 1, 2, 3, 4].map((i) => `hidden_states.${i}`)]);
  });

  it('the UNet takes text_embeds and time_ids, and both change its prediction', async () => {
    const unet = await session('unet');
    expect(unet.inputMetadata.map((m) => m.name)).toEqual(['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids']);
    expect(unet.inputMetadata[3]).toMatchObject({ type: 'float32', shape: ['batch_size', 64] });
    expect(unet.inputMetadata[4]).toMatchObject({ type: 'float32', shape: ['batch_size', 6] });
    const run = async (embeds: Float32Array, timeIds: number[]) =>
      values(
        (
          await unet.run({
            sample: f32(pattern(2 * 4 * 32 * 32, 0.3), [2, 4, 32, 32]),
            timestep: i64([700]),
            encoder_hidden_states: f32(pattern(2 * 77 * 96, 0.01), [2, 77, 96]),
            text_embeds: f32(embeds, [2, 64]),
            time_ids: f32([...timeIds, ...timeIds], [2, 6]),
          })
        ).out_sample,
      );
    const embeds = pattern(2 * 64, 0.2);
    const base = await run(embeds, [1024, 1024, 0, 0, 1024, 1024]);
    expect(allFinite(base)).toBe(true);
    expect(maxAbsDiff(base, await run(embeds, [512, 768, 0, 0, 1024, 1024]))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(base, await run(pattern(2 * 64, 0.7), [1024, 1024, 0, 0, 1024, 1024]))).toBeGreaterThan(1e-3);
  });
});
