import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { allFinite, f32, i64, makeTempDir, maxAbs, maxAbsDiff, openSession, pattern, removeDir, values } from './ort-session.test-helper';
import { generateTinyControlNet } from './tiny-controlnet.generator';
import { generateTinySd15, TinyModelDescription } from './tiny-pipeline.generator';

const opts = { unetChannels: 16 };

describe('ControlNet', () => {
  let root: string;
  let desc: TinyModelDescription;
  let controlnet: InferenceSession;
  let unet: InferenceSession;
  const h = 16;
  const common = () => ({
    sample: f32(pattern(2 * 4 * h * h, 0.3), [2, 4, h, h]),
    timestep: i64([600]),
    encoder_hidden_states: f32(pattern(2 * 77 * 32, 0.02), [2, 77, 32]),
  });
  const runControlNet = (scale: number) =>
    controlnet.run({ ...common(), controlnet_cond: f32(pattern(2 * 3 * 8 * h * 8 * h, 0.002), [2, 3, 8 * h, 8 * h]), conditioning_scale: f32([scale], []) });
  const residualFeeds = (res: Record<string, Tensor>) => ({
    ...[0, 1, 2, 3].reduce((acc, i) => ({ ...acc, [`down_block_additional_residuals.${i}`]: res[`down_block_res_samples.${i}`] }), {}),
    mid_block_additional_residual: res.mid_block_res_sample,
  });

  beforeAll(async () => {
    root = await makeTempDir();
    desc = await generateTinySd15(path.join(root, 'cn'), { ...opts, controlNet: true });
    controlnet = await openSession(path.join(desc.dir, 'controlnet/model.onnx'));
    unet = await openSession(path.join(desc.dir, 'unet/model.onnx'));
  });

  afterAll(async () => {
    await Promise.all([controlnet.release(), unet.release()]);
    await removeDir(root);
  });

  it('writes controlnet/ and names the pipeline a ControlNet pipeline', async () => {
    expect(desc.files).toEqual(expect.arrayContaining(['controlnet/model.onnx', 'controlnet/config.json']));
    const index = JSON.parse(await readFile(path.join(desc.dir, 'model_index.json'), 'utf8'));
    expect(index._class_name).toBe('StableDiffusionControlNetPipeline');
    expect(index.controlnet).toEqual(['diffusers', 'ControlNetModel']);
  });

  it('has the ControlNet inputs and residual outputs, whose shapes are the UNet residual inputs', async () => {
    expect(controlnet.inputNames).toEqual(['sample', 'timestep', 'encoder_hidden_states', 'controlnet_cond', 'conditioning_scale']);
    expect(controlnet.outputNames).toEqual(['down_block_res_samples.0', 'down_block_res_samples.1', 'down_block_res_samples.2', 'down_block_res_samples.3', 'mid_block_res_sample']);
    expect(unet.inputNames.slice(3)).toEqual([
      'down_block_additional_residuals.0',
      'down_block_additional_residuals.1',
      'down_block_additional_residuals.2',
      'down_block_additional_residuals.3',
      'mid_block_additional_residual',
    ]);
    const res = await runControlNet(1);
    expect(res['down_block_res_samples.0'].dims).toEqual([2, 16, h, h]);
    expect(res['down_block_res_samples.3'].dims).toEqual([2, 32, h / 2, h / 2]);
    expect(res.mid_block_res_sample.dims).toEqual([2, 32, h / 2, h / 2]);
    expect(Object.values(res).every((t) => allFinite(values(t)))).toBe(true);
  });

  it('conditioning_scale scales the residuals (0 turns them off)', async () => {
    const off = await runControlNet(0);
    expect(Object.values(off).every((t) => maxAbs(values(t)) === 0)).toBe(true);
    const one = values((await runControlNet(1)).mid_block_res_sample);
    const half = values((await runControlNet(0.5)).mid_block_res_sample);
    expect(maxAbsDiff(one.map((v) => v / 2), half)).toBeLessThan(1e-5);
  });

  it('with zero residuals the UNet equals the plain UNet; with the ControlNet it changes', async () => {
    const zeros = residualFeeds(await runControlNet(0));
    const withZeros = values((await unet.run({ ...common(), ...zeros })).out_sample);
    const plainDesc = await generateTinySd15(path.join(root, 'plain'), opts);
    const plain = await openSession(path.join(plainDesc.dir, 'unet/model.onnx'));
    const plainOut = values((await plain.run(common())).out_sample);
    await plain.release();
    expect(maxAbsDiff(withZeros, plainOut)).toBeLessThan(1e-5);
    const controlled = values((await unet.run({ ...common(), ...residualFeeds(await runControlNet(1)) })).out_sample);
    expect(maxAbsDiff(withZeros, controlled)).toBeGreaterThan(1e-3);
  });

  it('generateTinyControlNet writes a standalone ControlNet that fits the same base', async () => {
    const cn = await generateTinyControlNet(path.join(root, 'other-controlnet'), { ...opts, seed: 5 });
    expect(cn.files).toEqual(['config.json', 'model.onnx']);
    const other = await openSession(path.join(cn.dir, 'model.onnx'));
    const res = await other.run({ ...common(), controlnet_cond: f32(pattern(2 * 3 * 8 * h * 8 * h, 0.002), [2, 3, 8 * h, 8 * h]), conditioning_scale: f32([1], []) });
    await other.release();
    const out = await unet.run({ ...common(), ...residualFeeds(res) });
    expect(out.out_sample.dims).toEqual([2, 4, h, h]);
    expect(maxAbsDiff(values(res.mid_block_res_sample), values((await runControlNet(1)).mid_block_res_sample))).toBeGreaterThan(1e-3);
  });
});
