import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { allFinite, f32, i64, makeTempDir, maxAbsDiff, openSession, pattern, removeDir, values } from './ort-session.test-helper';
import { generateTinyElla } from './tiny-ella.generator';
import { generateTinyLayerDiffusion } from './tiny-layer-diffusion.generator';
import { generateTinyPix2pix } from './tiny-pix2pix.generator';
import { generateTinySd15 } from './tiny-pipeline.generator';

describe('feature components (InstructPix2Pix UNet, layer diffusion, ELLA)', () => {
  let root: string;

  beforeAll(async () => {
    root = await makeTempDir();
  });
  afterAll(() => removeDir(root));

  it('pix2pix: an 8-channel UNet whose image-latent channels change the prediction; default models keep their bytes', async () => {
    const desc = await generateTinyPix2pix(path.join(root, 'ip2p'));
    expect(desc.pix2pixInputs.find((i) => i.name === 'sample')?.dims).toEqual(['batch_size', 8, 'height', 'width']);
    expect(JSON.parse(await readFile(path.join(root, 'ip2p', 'unet', 'config.json'), 'utf8')).in_channels).toBe(8);
    const unet = await openSession(path.join(root, 'ip2p', 'unet', 'model.onnx'));
    const noisy = pattern(4 * 64, 0.3);
    const run = async (image: Float32Array) => {
      const sample = new Float32Array(8 * 64);
      sample.set(noisy, 0);
      sample.set(image, 4 * 64);
      const out = await unet.run({ sample: f32(sample, [1, 8, 8, 8]), timestep: i64([500]), encoder_hidden_states: f32(pattern(77 * 32, 0.02), [1, 77, 32]) });
      return values(out.out_sample);
    };
    const a = await run(pattern(4 * 64, 0.1));
    const b = await run(pattern(4 * 64, 0.7));
    expect(a.length).toBe(4 * 64);
    expect(allFinite(a)).toBe(true);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(0.05);
    await unet.release();
    // The optional inChannels leaves the regular UNet byte-identical.
    await generateTinySd15(path.join(root, 'plain'));
    await generateTinyPix2pix(path.join(root, 'side'), { layout: 'unet_pix2pix' });
    const [plain, side] = await Promise.all([path.join(root, 'plain'), path.join(root, 'side')].map((d) => readFile(path.join(d, 'unet', 'model.onnx'))));
    expect(plain.equals(side)).toBe(true);
  });

  it('layer diffusion: the transparency decoder gives alpha + RGB in [0, 1] with varying alpha', async () => {
    await generateTinySd15(path.join(root, 'ld'));
    const desc = await generateTinyLayerDiffusion(path.join(root, 'ld'));
    expect(desc.files).toEqual(['layer_diffusion/layer_lora.safetensors', 'layer_diffusion/vae_transparent_decoder/config.json', 'layer_diffusion/vae_transparent_decoder/model.onnx']);
    expect(desc.lora?.targets.every((t) => t.component === 'unet')).toBe(true);
    const decoder = await openSession(path.join(root, 'ld', 'layer_diffusion', 'vae_transparent_decoder', 'model.onnx'));
    const pixel = pattern(3 * 32 * 32, 0.05).map((v) => (v + 1) / 2);
    const out = values((await decoder.run({ pixel: f32(pixel, [1, 3, 32, 32]), latent_sample: f32(pattern(4 * 16, 0.4, 3), [1, 4, 4, 4]) })).sample);
    expect(out.length).toBe(4 * 32 * 32);
    const alpha = out.subarray(0, 32 * 32);
    expect(Math.min(...alpha)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...alpha)).toBeLessThanOrEqual(1);
    expect(Math.max(...alpha) - Math.min(...alpha)).toBeGreaterThan(0.2);
    expect(maxAbsDiff(out.subarray(32 * 32), pixel)).toBeLessThanOrEqual(0.1 + 1e-6);
    await decoder.release();
  });

  it('ELLA: the T5 encoder mixes the whole prompt and the connector depends on the timestep', async () => {
    await generateTinySd15(path.join(root, 'ella'));
    const desc = await generateTinyElla(path.join(root, 'ella'));
    expect(desc.files).toContain('tokenizer_t5/tokenizer.json');
    const t5 = await openSession(path.join(root, 'ella', 'text_encoder_t5', 'model.onnx'));
    const ella = await openSession(path.join(root, 'ella', 'ella', 'model.onnx'));
    const encode = async (ids: number[]) => values((await t5.run({ input_ids: i64(ids, [1, 6]), attention_mask: i64([1, 1, 1, 1, 0, 0], [1, 6]) })).last_hidden_state);
    const s1 = await encode([5, 6, 7, 1, 0, 0]);
    const s2 = await encode([5, 6, 8, 1, 0, 0]);
    expect(maxAbsDiff(s1.subarray(0, 24), s2.subarray(0, 24))).toBeGreaterThan(0.01); // the first token sees the third
    const connect = async (t: number) => values((await ella.run({ timestep: f32([t], [1]), text_encoder_hidden_states: f32(s1, [1, 6, 24]) })).encoder_hidden_states);
    const early = await connect(900);
    const late = await connect(50);
    expect(early.length).toBe(8 * 32);
    expect(maxAbsDiff(early, late)).toBeGreaterThan(0.05);
    await Promise.all([t5.release(), ella.release()]);
  });
});
