import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { allFinite, f32, i64, makeTempDir, maxAbsDiff, openSession, pattern, removeDir, values } from './ort-session.test-helper';
import { generateTinyMotionModel } from './tiny-motion-model.generator';

const opts = { unetChannels: 16 };
const F = 4;
const h = 8;
const plane = 4 * h * h;

/** [F, 4, h, w] frames (frame-major) → [1, 4, F, h, w]. */
function toVideo(frames: Float32Array): Float32Array {
  const out = new Float32Array(frames.length);
  const hw = h * h;
  for (let f = 0; f < F; f++) for (let c = 0; c < 4; c++) out.set(frames.subarray(f * plane + c * hw, f * plane + (c + 1) * hw), (c * F + f) * hw);
  return out;
}

function fromVideo(video: Float32Array): Float32Array {
  const out = new Float32Array(video.length);
  const hw = h * h;
  for (let f = 0; f < F; f++) for (let c = 0; c < 4; c++) out.set(video.subarray((c * F + f) * hw, (c * F + f + 1) * hw), f * plane + c * hw);
  return out;
}

describe('tiny motion model', () => {
  let root: string;
  let unet: InferenceSession;
  let identity: InferenceSession;
  let motion: InferenceSession;
  const frames = pattern(F * plane, 0.37);
  const context = f32(pattern(77 * 32, 0.02), [1, 77, 32]);

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinyMotionModel(path.join(root, 'identity'), { ...opts, motionScale: 0 });
    await generateTinyMotionModel(path.join(root, 'motion'), opts);
    unet = await openSession(path.join(root, 'identity', 'unet', 'model.onnx'));
    identity = await openSession(path.join(root, 'identity', 'unet_motion', 'model.onnx'));
    motion = await openSession(path.join(root, 'motion', 'unet_motion', 'model.onnx'));
  });

  afterAll(async () => {
    await Promise.all([unet.release(), identity.release(), motion.release()]);
    await removeDir(root);
  });

  const runMotion = async (s: InferenceSession, input: Float32Array) =>
    fromVideo(values((await s.run({ sample: f32(toVideo(input), [1, 4, F, h, h]), timestep: i64([500]), encoder_hidden_states: context })).out_sample));

  it('takes sample [B, 4, F, h, w] and says UNetMotionModel in its config', async () => {
    expect(motion.inputNames).toEqual(['sample', 'timestep', 'encoder_hidden_states']);
    const config = JSON.parse(await readFile(path.join(root, 'motion', 'unet_motion', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ _class_name: 'UNetMotionModel', motion_max_seq_length: 32 });
  });

  it('with identity motion modules equals the image UNet frame by frame (same spatial weights)', async () => {
    const image = values(
      (await unet.run({ sample: f32(frames, [F, 4, h, h]), timestep: i64([500]), encoder_hidden_states: f32(new Float32Array(F * 77 * 32).map((_, i) => (context.data as Float32Array)[i % (77 * 32)]), [F, 77, 32]) }))
        .out_sample,
    );
    const video = await runMotion(identity, frames);
    expect(allFinite(video)).toBe(true);
    expect(maxAbsDiff(video, image)).toBeLessThan(1e-4);
  });

  it('mixes frames: changing the last frame changes the first frame’s output only with motion modules', async () => {
    const changed = frames.slice();
    for (let i = (F - 1) * plane; i < F * plane; i++) changed[i] = -changed[i];
    const first = (v: Float32Array) => v.subarray(0, plane);
    expect(maxAbsDiff(first(await runMotion(identity, frames)), first(await runMotion(identity, changed)))).toBeLessThan(1e-5);
    expect(maxAbsDiff(first(await runMotion(motion, frames)), first(await runMotion(motion, changed)))).toBeGreaterThan(1e-3);
  });

  it('writes the AnimateDiff-pipeline layout (motion UNet as unet/) with a fixed frame axis', async () => {
    const desc = await generateTinyMotionModel(path.join(root, 'pipeline'), { ...opts, layout: 'unet', frames: 8, maxFrames: 16 });
    expect(desc.files).not.toContain('unet_motion/model.onnx');
    expect(desc.motionInputs[0]).toEqual({ name: 'sample', type: 'float32', dims: ['batch_size', 4, 8, 'height', 'width'] });
    const s = await openSession(path.join(root, 'pipeline', 'unet', 'model.onnx'));
    try {
      const out = await s.run({ sample: f32(pattern(2 * 4 * 8 * h * h, 0.1), [2, 4, 8, h, h]), timestep: i64([10]), encoder_hidden_states: f32(pattern(2 * 77 * 32, 0.03), [2, 77, 32]) });
      expect(out.out_sample.dims).toEqual([2, 4, 8, h, h]);
    } finally {
      await s.release();
    }
  });
});
