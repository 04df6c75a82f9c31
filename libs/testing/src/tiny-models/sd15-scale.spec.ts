import * as path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { allFinite, f16, f32, i64, makeTempDir, maxAbs, maxAbsDiff, openSession, pattern, removeDir, values } from './ort-session.test-helper';
import { buildSd15Unet } from './sd15-unet.graph';
import { generateSd15ScaleModel, SD15_CONTEXT_DIM, sd15UnetWeightCount } from './sd15-scale.generator';

describe('the SD1.5-architecture UNet for benchmarks at real cost', () => {
  describe('at full width (shapes only)', () => {
    const shapes = buildSd15Unet({
      seed: 1,
      baseChannels: 320,
      crossAttentionDim: SD15_CONTEXT_DIM,
      floatType: 'float16',
      computeType: 'float16',
      timestepType: 'int64',
      shapesOnly: true,
    }).weights;

    it("has exactly SD1.5's 859,520,964 UNet weights", () => {
      expect(sd15UnetWeightCount(320)).toBe(859_520_964);
    });

    it("names and shapes its weights as diffusers' UNet2DConditionModel does", () => {
      expect(shapes.get('conv_in.weight')).toEqual([320, 4, 3, 3]);
      expect(shapes.get('time_embedding.linear_1.weight')).toEqual([1280, 320]);
      expect(shapes.get('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight')).toEqual([320, 320]);
      expect(shapes.get('down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight')).toEqual([320, 768]);
      expect(shapes.get('down_blocks.1.attentions.0.transformer_blocks.0.ff.net.0.proj.weight')).toEqual([5120, 640]);
      expect(shapes.get('down_blocks.2.resnets.0.conv_shortcut.weight')).toEqual([1280, 640, 1, 1]);
      expect(shapes.get('mid_block.attentions.0.proj_in.weight')).toEqual([1280, 1280, 1, 1]);
      expect(shapes.get('up_blocks.0.resnets.2.conv1.weight')).toEqual([1280, 2560, 3, 3]);
      expect(shapes.get('up_blocks.1.resnets.2.conv1.weight')).toEqual([1280, 1920, 3, 3]);
      expect(shapes.get('up_blocks.3.resnets.0.conv_shortcut.weight')).toEqual([320, 960, 1, 1]);
      expect(shapes.get('up_blocks.3.attentions.2.transformer_blocks.0.ff.net.2.weight')).toEqual([320, 1280]);
      expect(shapes.get('conv_out.weight')).toEqual([4, 320, 3, 3]);
      // No transformers at the deepest level, three resnets per up block, upsamplers on all but the last.
      const names = [...shapes.keys()];
      expect(names.filter((n) => /^(down_blocks\.3|up_blocks\.0)\.attentions/.test(n))).toEqual([]);
      expect(new Set(names.filter((n) => n.startsWith('up_blocks.2.resnets.')).map((n) => n.split('.')[3]))).toEqual(new Set(['0', '1', '2']));
      expect(names.filter((n) => n.includes('upsamplers')).map((n) => n.split('.')[1])).toEqual(['0', '0', '1', '1', '2', '2']);
    });

    it('refuses float32 weights at full width, which would pass the 2 GiB model limit', async () => {
      await expect(generateSd15ScaleModel('/nonexistent', { float16: false })).rejects.toThrow(/2 GiB model limit; use float16/);
    });
  });

  describe('at base width 32 (same architecture)', () => {
    let root: string;
    const sessions: InferenceSession[] = [];
    const open = async (dir: string) => {
      const s = await openSession(path.join(dir, 'unet', 'model.onnx'));
      sessions.push(s);
      return s;
    };
    const sample = pattern(2 * 4 * 16 * 16, 0.37);
    const context = pattern(2 * 77 * SD15_CONTEXT_DIM, 0.11);
    const other = pattern(2 * 77 * SD15_CONTEXT_DIM, 0.53);

    beforeAll(async () => {
      root = await makeTempDir();
    });

    afterAll(async () => {
      await Promise.all(sessions.map((s) => s.release()));
      await removeDir(root);
    });

    it('runs in float32, and its prediction depends on the text and the timestep', async () => {
      const desc = await generateSd15ScaleModel(path.join(root, 'f32'), { baseChannels: 32, float16: false });
      expect(desc.unetWeights).toBe(sd15UnetWeightCount(32));
      const unet = await open(desc.dir);
      const run = async (ctx: Float32Array, t: number) => {
        const out = await unet.run({ sample: f32(sample, [2, 4, 16, 16]), timestep: i64([t]), encoder_hidden_states: f32(ctx, [2, 77, SD15_CONTEXT_DIM]) });
        expect(out.out_sample.dims).toEqual([2, 4, 16, 16]);
        return values(out.out_sample);
      };
      const base = await run(context, 500);
      expect(allFinite(base)).toBe(true);
      expect(maxAbs(base)).toBeLessThan(20);
      expect(maxAbsDiff(base, await run(other, 500))).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(base, await run(context, 100))).toBeGreaterThan(1e-3);
    });

    it('computes in float16 what the same float16 weights give when computed in float32', async () => {
      const half = await open((await generateSd15ScaleModel(path.join(root, 'f16'), { baseChannels: 32, float16: true, computeType: 'float16' })).dir);
      const widened = await open((await generateSd15ScaleModel(path.join(root, 'f16-in-f32'), { baseChannels: 32, float16: true, computeType: 'float32' })).dir);
      const feeds = { sample: f16(sample, [2, 4, 16, 16]), timestep: i64([700]), encoder_hidden_states: f16(context, [2, 77, SD15_CONTEXT_DIM]) };
      const a = values((await half.run(feeds)).out_sample);
      const b = values((await widened.run(feeds)).out_sample);
      expect(allFinite(a)).toBe(true);
      expect(maxAbs(b)).toBeGreaterThan(0.1);
      expect(maxAbsDiff(a, b)).toBeLessThan(0.05 * maxAbs(b));
    });
  });
});
