import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { generateTinyElla, generateTinySd15, generateTinySdxl } from '@darkroom/testing';
import { checkpoint, jobRequest, makeTempDir, meanAbsDiff, rawPixels, removeDir, runJob, type JobSpec } from '../engine/engine.test-helper';
import { floatData, floatTensor, OnnxComponent, timestepTensor } from '../engine/onnx-component';
import { FatalRunError, type RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';
import { ellaUNetView } from './ella-conditioning';

const SMALL = { width: 64, height: 64 };

describe('enableElla (T5 encoder + timestep-aware connector, real ONNX)', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let ella: RunnerModel;
  let plain: RunnerModel;
  let noT5: RunnerModel;
  let xl: RunnerModel;
  const notices: string[] = [];
  const calls = (label: string) => runner.stats.byComponent.get(label)?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'ella'));
    await generateTinyElla(path.join(root, 'ella'));
    await generateTinySd15(path.join(root, 'plain'));
    await generateTinySd15(path.join(root, 'not5'));
    await generateTinyElla(path.join(root, 'not5'));
    await rm(path.join(root, 'not5', 'text_encoder_t5'), { recursive: true });
    await generateTinySdxl(path.join(root, 'xl'));
    await generateTinyElla(path.join(root, 'xl'), { base: { hiddenSize: 96 } });
    ella = checkpoint(path.join(root, 'ella'), '601', 'tiny-ella');
    plain = checkpoint(path.join(root, 'plain'), '602', 'tiny-plain');
    noT5 = checkpoint(path.join(root, 'not5'), '603', 'tiny-not5');
    xl = checkpoint(path.join(root, 'xl'), '604', 'tiny-xl', 'SDXL');
    runner = createOnnxJobRunner({ intraOpThreads: 1, onNotice: (_, n) => notices.push(n) });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  beforeEach(() => {
    runner.stats.reset();
    notices.length = 0;
  });

  const image = async (spec: JobSpec, models = [ella]) => (await rawPixels((await runJob(runner, jobRequest({ size: SMALL, ...spec }), models)).outputs[0].data)).data;

  it('conditions the UNet through ELLA: one connector call per UNet call, T5 once per job; the image changes', async () => {
    const withElla = await image({ diffusion: { enableElla: true, steps: 4 } });
    expect([calls('text_encoder_t5'), calls('ella'), calls('unet'), calls('text_encoder')]).toEqual([1, 4, 4, 0]);
    const again = await image({ diffusion: { enableElla: true, steps: 4 } });
    expect(withElla.equals(again)).toBe(true);
    const withoutElla = await image({ diffusion: { steps: 4 } });
    expect(meanAbsDiff(withElla, withoutElla)).toBeGreaterThan(1);
    const otherPrompt = await image({ diffusion: { enableElla: true, steps: 4, prompts: [{ text: 'a red house at night' }] } });
    expect(meanAbsDiff(withElla, otherPrompt)).toBeGreaterThan(0.5);
    const otherNegative = await image({ diffusion: { enableElla: true, steps: 4, negativePrompts: [{ text: 'blue sky' }] } });
    expect(meanAbsDiff(withElla, otherNegative)).toBeGreaterThan(0.5);
  });

  it('feeds the UNet the connector output for the timestep of that very call', async () => {
    const unet = await OnnxComponent.open('unet', path.join(root, 'ella', 'unet', 'model.onnx'), {});
    const adapter = await OnnxComponent.open('ella', path.join(root, 'ella', 'ella', 'model.onnx'), {});
    try {
      const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.4));
      const t5States = wave(2 * 32 * 24, 0.07); // two rows (e.g. uncond, cond) of 32 tokens × 24
      const sample = wave(2 * 4 * 16, 0.3);
      const view = ellaUNetView(unet, adapter);
      expect(view.input('encoder_hidden_states').shape).toEqual(['batch_size', 'sequence_length', 24]);
      const direct = async (unetT: number, ellaT: number) => {
        const c = await adapter.run({ timestep: new Tensor('float32', Float32Array.from([ellaT, ellaT]), [2]), text_encoder_hidden_states: floatTensor(adapter.input('text_encoder_hidden_states'), t5States, [2, 32, 24]) });
        const out = await unet.run({ sample: floatTensor(unet.input('sample'), sample, [2, 4, 4, 4]), timestep: timestepTensor(unet.input('timestep'), unetT), encoder_hidden_states: c.encoder_hidden_states });
        return floatData(out.out_sample);
      };
      const viaView = async (t: number) =>
        floatData(
          (
            await view.run({
              sample: floatTensor(unet.input('sample'), sample, [2, 4, 4, 4]),
              timestep: timestepTensor(unet.input('timestep'), t),
              encoder_hidden_states: floatTensor(view.input('encoder_hidden_states'), t5States, [2, 32, 24]),
            })
          ).out_sample,
        );
      const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      for (const t of [901, 421, 21]) expect(maxDiff(await viaView(t), await direct(t, t))).toBeLessThan(1e-5);
      // The same UNet timestep with the connector at another timestep gives another prediction.
      expect(maxDiff(await viaView(421), await direct(421, 901))).toBeGreaterThan(1e-3);
    } finally {
      await Promise.all([unet.release(), adapter.release()]);
    }
  });

  it('reports what ELLA does not use (clip skip, prompt weights)', async () => {
    await image({ diffusion: { enableElla: true, clipSkip: 2, prompts: [{ text: 'a (red:1.3) cat' }] } });
    expect(notices).toEqual([
      'enableElla: clipSkip, clipEncoderName and v1Clip select CLIP layers, which ELLA does not use',
      'enableElla: prompt weights are not applied (T5 conditioning has no token weighting); the words are kept',
    ]);
  });

  it.each<[string, JobSpec, RegExp, () => RunnerModel]>([
    ['no ella/ at all', { diffusion: { enableElla: true } }, /enableElla needs an ella\/ component \(ELLA connector with its T5 encoder\) in "tiny-plain": missing ella\/model\.onnx, text_encoder_t5\/model\.onnx, tokenizer_t5\/tokenizer\.json/, () => plain],
    ['no T5 encoder', { diffusion: { enableElla: true } }, /in "tiny-not5": missing text_encoder_t5\/model\.onnx$/, () => noT5],
    ['an SDXL checkpoint', { diffusion: { enableElla: true } }, /ELLA connectors exist for SD 1.x\/2.x UNets; "tiny-xl" is SDXL/, () => xl],
    ['ELLA with embeddings', { diffusion: { enableElla: true, embedding: { items: [{ model: 'x' }] } } }, /enableElla replaces the CLIP text encoder, so embedding.items/, () => ella],
  ])('%s is a FatalRunError before any UNet call', async (_label, spec, message, model) => {
    const attempt = runJob(runner, jobRequest({ size: SMALL, ...spec }), [model()]);
    await expect(attempt).rejects.toThrow(FatalRunError);
    await expect(attempt).rejects.toThrow(message);
    expect(calls('unet')).toBe(0);
  });
});
