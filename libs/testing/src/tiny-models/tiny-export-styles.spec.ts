import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { allFinite, f16, f32, i32, i64, maxAbsDiff, openSession, pattern, promptIds, values, withTempDir } from './ort-session.test-helper';
import { EXPORT_STYLES, generateTinySd15, generateTinySd2, MID_SIZE_OPTIONS } from './tiny-pipeline.generator';

describe('export styles and variants', () => {
  it('optimum ≥ 1.23 style: int64 input_ids, scalar float timestep, latent_parameters', async () => {
    await withTempDir(async (dir) => {
      await generateTinySd15(dir, { ...EXPORT_STYLES.optimum });
      const te = await openSession(path.join(dir, 'text_encoder/model.onnx'));
      expect(te.inputMetadata[0]).toMatchObject({ name: 'input_ids', type: 'int64' });
      const ids = promptIds('cat');
      const r = await te.run({ input_ids: i64(ids, [1, 77]) });
      expect(r.last_hidden_state.dims).toEqual([1, 77, 32]);

      const unet = await openSession(path.join(dir, 'unet/model.onnx'));
      expect(unet.inputMetadata[1]).toEqual({ name: 'timestep', isTensor: true, type: 'float32', shape: [] });
      const run = (t: number) =>
        unet.run({
          sample: f32(pattern(4 * 16 * 16, 0.4), [1, 4, 16, 16]),
          timestep: f32([t], []),
          encoder_hidden_states: r.last_hidden_state,
        });
      const a = values((await run(801.5)).out_sample);
      expect(maxAbsDiff(a, values((await run(10)).out_sample))).toBeGreaterThan(1e-3);

      const enc = await openSession(path.join(dir, 'vae_encoder/model.onnx'));
      expect(enc.outputNames).toEqual(['latent_parameters']);
      const latent = await enc.run({ sample: f32(pattern(3 * 64 * 64, 0.01), [1, 3, 64, 64]) });
      expect(latent.latent_parameters.dims).toEqual([1, 8, 8, 8]);
      const params = values(latent.latent_parameters);
      const logVariance = params.subarray(4 * 64);
      expect(Math.max(...logVariance)).toBeLessThan(-4);
      await Promise.all([te.release(), unet.release(), enc.release()]);
    });
  });

  it('diffusers-script style: float32 timestep of shape [steps]', async () => {
    await withTempDir(async (dir) => {
      await generateTinySd15(dir, { ...EXPORT_STYLES.diffusersScript, unetChannels: 8 });
      const unet = await openSession(path.join(dir, 'unet/model.onnx'));
      expect(unet.inputMetadata[1]).toEqual({ name: 'timestep', isTensor: true, type: 'float32', shape: ['steps'] });
      const out = await unet.run({
        sample: f32(pattern(2 * 4 * 8 * 8, 0.4), [2, 4, 8, 8]),
        timestep: f32([999, 999], [2]),
        encoder_hidden_states: f32(pattern(2 * 77 * 32, 0.02), [2, 77, 32]),
      });
      expect(out.out_sample.dims).toEqual([2, 4, 8, 8]);
      await unet.release();
    });
  });

  it('float16 variant: float16 inputs, outputs and initializers', async () => {
    await withTempDir(async (dir) => {
      const desc = await generateTinySd15(dir, { ...EXPORT_STYLES.optimum, timestepType: 'float16', float16: true });
      const model = onnx.ModelProto.decode(await readFile(path.join(dir, 'unet/model.onnx')));
      const named = model.graph!.initializer!.filter((t) => desc.weights.unet.includes(t.name!));
      expect(named.length).toBe(desc.weights.unet.length);
      expect(named.every((t) => t.dataType === onnx.TensorProto.DataType.FLOAT16)).toBe(true);

      const te = await openSession(path.join(dir, 'text_encoder/model.onnx'));
      const text = await te.run({ input_ids: i64(promptIds('dog'), [1, 77]) });
      expect(text.last_hidden_state.type).toBe('float16');
      const unet = await openSession(path.join(dir, 'unet/model.onnx'));
      expect(unet.inputMetadata.map((m) => (m.isTensor ? m.type : '?'))).toEqual(['float16', 'float16', 'float16']);
      const out = await unet.run({
        sample: f16(pattern(4 * 16 * 16, 0.4), [1, 4, 16, 16]),
        timestep: f16([500], []),
        encoder_hidden_states: text.last_hidden_state,
      });
      expect(out.out_sample.type).toBe('float16');
      expect(allFinite(values(out.out_sample))).toBe(true);
      const dec = await openSession(path.join(dir, 'vae_decoder/model.onnx'));
      const img = await dec.run({ latent_sample: out.out_sample });
      expect(img.sample.type).toBe('float16');
      expect(img.sample.dims).toEqual([1, 3, 128, 128]);
      await Promise.all([te.release(), unet.release(), dec.release()]);
    });
  });

  it('without hidden states the text encoder has only the plain export outputs', async () => {
    await withTempDir(async (dir) => {
      await generateTinySd15(dir, { hiddenStates: false });
      const te = await openSession(path.join(dir, 'text_encoder/model.onnx'));
      expect(te.outputNames).toEqual(['last_hidden_state', 'pooler_output']);
      const config = JSON.parse(await readFile(path.join(dir, 'text_encoder/config.json'), 'utf8'));
      expect(config.output_hidden_states).toBe(false);
      await te.release();
    });
  });

  it('SD2 (768-v): v-prediction scheduler and "!" padding', async () => {
    await withTempDir(async (dir) => {
      await generateTinySd2(dir, { unetChannels: 8 });
      const scheduler = JSON.parse(await readFile(path.join(dir, 'scheduler/scheduler_config.json'), 'utf8'));
      expect(scheduler).toMatchObject({ _class_name: 'DDIMScheduler', prediction_type: 'v_prediction' });
      const unetConfig = JSON.parse(await readFile(path.join(dir, 'unet/config.json'), 'utf8'));
      expect(unetConfig.sample_size).toBe(96);
      const tokenizer = JSON.parse(await readFile(path.join(dir, 'tokenizer/tokenizer_config.json'), 'utf8'));
      expect(tokenizer.pad_token).toBe('!');
    });
  });

  it('the mid-size option builds a wider model that still runs', async () => {
    await withTempDir(async (dir) => {
      const desc = await generateTinySd15(dir, MID_SIZE_OPTIONS);
      expect(desc.options.unetChannels).toBe(128);
      const te = await openSession(path.join(dir, 'text_encoder/model.onnx'));
      const text = await te.run({ input_ids: i32(promptIds('cat'), [1, 77]) });
      expect(text.last_hidden_state.dims).toEqual([1, 77, 128]);
      const unet = await openSession(path.join(dir, 'unet/model.onnx'));
      const out = await unet.run({
        sample: f32(pattern(4 * 16 * 16, 0.4), [1, 4, 16, 16]),
        timestep: i64([500]),
        encoder_hidden_states: text.last_hidden_state,
      });
      expect(allFinite(values(out.out_sample))).toBe(true);
      await Promise.all([te.release(), unet.release()]);
    });
  });
});
