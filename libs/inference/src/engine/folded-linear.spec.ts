import * as path from 'node:path';
import { generateTinyLora, generateTinySd15, generateTinySdxl } from '@darkroom/testing';
import type { RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';
import { checkpoint, jobRequest, makeTempDir, pixelsOfBoth, rawPixels, removeDir, runJob, type JobSpec } from './engine.test-helper';
import { initializerKeys } from './lora-merge';
import { OnnxWeights } from './onnx-initializers';

/**
 * torch.onnx.export (optimum's exports) folds each Linear layer's transposed weight into a new constant named
 * `onnx::MatMul_<n>` ([in, out]); only the MatMul node's name (`/<module path>/MatMul`) still says which module it
 * is. LoRAs must find and merge those weights exactly as in a name-preserving export.
 */
describe('exports whose Linear weights torch.onnx.export renamed', () => {
  let root: string;
  let runner: OnnxJobRunner;
  const lora = (name: string, baseModel: string): RunnerModel => ({ id: `l-${name}`, kind: 'LORA', name, baseModel, path: path.join(root, `${name}.safetensors`) });

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'named'));
    await generateTinySd15(path.join(root, 'folded'), { linearWeights: 'folded' });
    await generateTinySdxl(path.join(root, 'xl-named'), { float16: true });
    await generateTinySdxl(path.join(root, 'xl-folded'), { float16: true, linearWeights: 'folded', externalData: true });
    await generateTinyLora(path.join(root, 'style.safetensors'), { seed: 31, targets: 'attention+mlp' });
    await generateTinyLora(path.join(root, 'xl-style.safetensors'), { seed: 32, family: 'sdxl', base: { float16: true }, targets: 'attention+mlp' });
    runner = createOnnxJobRunner({ intraOpThreads: 1 });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  it('finds each renamed Linear weight through its MatMul node, under the module key a LoRA uses', async () => {
    const folded = await OnnxWeights.read(path.join(root, 'folded', 'unet', 'model.onnx'));
    const named = await OnnxWeights.read(path.join(root, 'named', 'unet', 'model.onnx'));
    expect(folded.names().some((n) => n.startsWith('onnx::MatMul_'))).toBe(true);
    expect(folded.names().filter((n) => n.endsWith('to_q.weight'))).toEqual([]);
    const keys = initializerKeys(folded, 'unet', 'SD1');
    const namedKeys = initializerKeys(named, 'unet', 'SD1');
    const key = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_q';
    const target = keys.get(key);
    expect(target).toMatchObject({ module: 'down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_q.weight', transposed: true });
    expect(target?.initializer).toMatch(/^onnx::MatMul_\d+$/);
    // The same values, stored transposed.
    const [rows, cols] = named.dims('down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_q.weight');
    expect(folded.dims(target!.initializer)).toEqual([cols, rows]);
    const a = named.get('down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_q.weight');
    const b = folded.get(target!.initializer);
    expect(Array.from({ length: rows * cols }, (_, k) => b[(k % cols) * rows + Math.floor(k / cols)])).toEqual(Array.from(a));
    // Every Linear module of the named export is found in the folded one.
    const linear = [...namedKeys.keys()].filter((k) => /_(to_[qkv]|to_out_0|proj_in|proj_out|ff_net_\d(_proj)?|linear_\d)$/.test(k));
    expect(linear.length).toBeGreaterThan(10);
    expect(linear.filter((k) => !keys.has(k))).toEqual([]);
  });

  /** The same job on both exports: pixels must be identical. */
  async function samePixels(spec: JobSpec, a: RunnerModel[], b: RunnerModel[]): Promise<void> {
    const [pa, pb] = await pixelsOfBoth(runner, spec, a, b);
    expect(pb.equals(pa)).toBe(true);
  }

  it('runs, and merges LoRAs (with block weights), exactly as the name-preserving export', async () => {
    const named = checkpoint(path.join(root, 'named'), '1', 'named');
    const folded = checkpoint(path.join(root, 'folded'), '2', 'folded');
    await samePixels({}, [named], [folded]);
    const spec = { diffusion: { lora: { items: [{ loraModel: 'style', weight: 0.9, blockWeight: `1:lbw=${[1, 1, 0, 1, 1, 1, 1, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1].join(',')}` }] } } };
    await samePixels(spec, [named, lora('style', 'SD1')], [folded, lora('style', 'SD1')]);
    const base = await runJob(runner, jobRequest({ size: { width: 128, height: 128 } }), [folded]);
    const merged = await runJob(runner, jobRequest({ size: { width: 128, height: 128 }, ...spec }), [folded, lora('style', 'SD1')]);
    expect((await rawPixels(merged.outputs[0].data)).data.equals((await rawPixels(base.outputs[0].data)).data)).toBe(false);
  });

  it('an SDXL float16 export with renamed Linear weights in external data takes a LoRA like the plain one', async () => {
    const named = checkpoint(path.join(root, 'xl-named'), '3', 'xl-named', 'SDXL');
    const folded = checkpoint(path.join(root, 'xl-folded'), '4', 'xl-folded', 'SDXL');
    await samePixels({ diffusion: { lora: { items: [{ loraModel: 'xl-style' }] } } }, [named, lora('xl-style', 'SDXL')], [folded, lora('xl-style', 'SDXL')]);
  });
});
