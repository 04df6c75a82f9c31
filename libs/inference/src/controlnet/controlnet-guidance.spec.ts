import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { generateTinyControlNet, generateTinySd15 } from '@darkroom/testing';
import { makeTempDir, removeDir } from '../engine/engine.test-helper';
import { sessionOptions } from '../engine/execution-options';
import { OnnxComponent, RunStats } from '../engine/onnx-component';
import type { RunnerModel } from '../runner/job-runner';
import { ControlNetGuidance, type ControlBatch } from './controlnet-guidance';
import type { ControlNetUnitPlan } from './controlnet-plan';
import { linkResiduals } from './controlnet-residuals';
import { isActiveAt, SOFT_INJECTION_BASE, unitWeighting } from './control-weighting';

const H = 16;
const PX = 8 * H;

function wave(n: number, f: number, a = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.3) * a);
}

/** A hint with structure: diagonal stripes. */
function stripes(): ControlNetUnitPlan['hint'] {
  const data = new Uint8Array(PX * PX * 3);
  for (let y = 0; y < PX; y++) for (let x = 0; x < PX; x++) data.fill((x + y) % 32 < 16 ? 255 : 0, (y * PX + x) * 3, (y * PX + x) * 3 + 3);
  return { data, width: PX, height: PX };
}

describe('ControlNetGuidance (real ONNX, tiny ControlNets)', () => {
  let root: string;
  let unet: OnnxComponent;
  let cnA: OnnxComponent;
  let cnB: OnnxComponent;
  let cnA16: OnnxComponent;
  const stats = new RunStats();
  const model = (name: string): RunnerModel => ({ id: name, kind: 'CONTROLNET', name, baseModel: 'SD1', path: '/unused' });
  const unit = (over: Partial<ControlNetUnitPlan> = {}): ControlNetUnitPlan => ({
    field: 'controlnet.args[0]',
    model: model('a'),
    files: { folder: 'controlnet', file: '/unused', bytes: 0, config: null },
    globalPool: false,
    preprocessor: 'none',
    hint: stripes(),
    weight: 1,
    guidanceStart: 0,
    guidanceEnd: 1,
    controlMode: 'BALANCED',
    ...over,
  });
  // Row 0 is an unconditional item, row 1 a conditional one (the guided UNet's order).
  const batch = (): ControlBatch => ({
    uncond: [true, false],
    sample: new ort.Tensor('float32', wave(2 * 4 * H * H, 0.37), [2, 4, H, H]),
    timestep: 500,
    context: { encoder_hidden_states: new ort.Tensor('float32', wave(2 * 77 * 32, 0.011, 0.5), [2, 77, 32]) },
  });
  const residuals = async (units: ControlNetUnitPlan[], components: OnnxComponent[]) => {
    const g = new ControlNetGuidance(units, components, unet, { width: PX, height: PX });
    const out = await g.residuals(batch());
    return out && Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  };

  beforeAll(async () => {
    root = await makeTempDir();
    const base = await generateTinySd15(path.join(root, 'base'), { controlNet: true });
    const b = await generateTinyControlNet(path.join(root, 'cn-b'), { seed: 5 });
    const a16 = await generateTinyControlNet(path.join(root, 'cn-a16'), { float16: true });
    const o = sessionOptions({ intraOpThreads: 1 });
    unet = await OnnxComponent.open('unet', path.join(base.dir, 'unet', 'model.onnx'), o);
    cnA = await OnnxComponent.open('controlnet', path.join(base.dir, 'controlnet', 'model.onnx'), o, stats);
    cnB = await OnnxComponent.open('controlnet', path.join(b.dir, 'model.onnx'), o);
    cnA16 = await OnnxComponent.open('controlnet', path.join(a16.dir, 'model.onnx'), o);
  });

  afterAll(async () => {
    await Promise.all([unet, cnA, cnB, cnA16].map((c) => c?.release()));
    await removeDir(root);
  });

  it('pairs ControlNet outputs with the UNet residual inputs in block order', () => {
    expect(linkResiduals(cnA, unet)).toEqual([
      { output: 'down_block_res_samples.0', input: 'down_block_additional_residuals.0' },
      { output: 'down_block_res_samples.1', input: 'down_block_additional_residuals.1' },
      { output: 'down_block_res_samples.2', input: 'down_block_additional_residuals.2' },
      { output: 'down_block_res_samples.3', input: 'down_block_additional_residuals.3' },
      { output: 'mid_block_res_sample', input: 'mid_block_additional_residual' },
    ]);
  });

  it('two units add up: residuals(A + B) = residuals(A) + residuals(B)', async () => {
    const a = (await residuals([unit()], [cnA]))!;
    const b = (await residuals([unit({ weight: 0.7, model: model('b') })], [cnB]))!;
    const both = (await residuals([unit(), unit({ weight: 0.7, model: model('b') })], [cnA, cnB]))!;
    for (const name of Object.keys(both)) {
      const sum = a[name].map((v, i) => v + b[name][i]);
      expect(Math.max(...both[name].map((v, i) => Math.abs(v - sum[i])))).toBeLessThan(1e-6);
      expect(Math.max(...b[name].map(Math.abs))).toBeGreaterThan(1e-3);
    }
  });

  it('weight scales the residuals and weight 0 runs nothing', async () => {
    const one = (await residuals([unit()], [cnA]))!;
    const half = (await residuals([unit({ weight: 0.5 })], [cnA]))!;
    for (const name of Object.keys(one)) expect(Math.max(...half[name].map((v, i) => Math.abs(v - one[name][i] / 2)))).toBeLessThan(1e-6);
    stats.reset();
    expect(await residuals([unit({ weight: 0 })], [cnA])).toBeUndefined();
    expect(stats.calls).toBe(0);
    await residuals([unit()], [cnA]);
    expect(stats.calls).toBe(1);
  });

  it('control modes: balanced on both branches; prompt-first soft weights on both; ControlNet-first soft weights on the conditional branch only', async () => {
    const balanced = (await residuals([unit({ controlMode: 'BALANCED' })], [cnA]))!;
    const prompt = (await residuals([unit({ controlMode: 'MY_PROMPT_IS_MORE_IMPORTANT' })], [cnA]))!;
    const control = (await residuals([unit({ controlMode: 'CONTROLNET_IS_MORE_IMPORTANT' })], [cnA]))!;
    const names = Object.keys(balanced);
    const n = names.length;
    const rowLen = (name: string) => balanced[name].length / 2;
    names.forEach((name, k) => {
      const soft = SOFT_INJECTION_BASE ** (n - 1 - k);
      const len = rowLen(name);
      // Both rows of prompt-first = balanced × 0.825^(N−1−k).
      expect(Math.max(...prompt[name].map((v, i) => Math.abs(v - balanced[name][i] * soft)))).toBeLessThan(1e-6);
      // ControlNet-first: unconditional row exactly zero, conditional row as prompt-first.
      expect(control[name].subarray(0, len).every((v) => v === 0)).toBe(true);
      expect(Math.max(...control[name].subarray(len).map((v, i) => Math.abs(v - prompt[name][len + i])))).toBeLessThan(1e-7);
      expect(Math.max(...balanced[name].subarray(0, len).map(Math.abs))).toBeGreaterThan(1e-3);
    });
    // The mid block keeps the full weight; the first down block gets 0.825^(N−1).
    expect(unitWeighting('MY_PROMPT_IS_MORE_IMPORTANT', 2, 13).scales.map((s) => +s.toFixed(4))).toEqual(
      Array.from({ length: 13 }, (_, i) => +(2 * 0.825 ** (12 - i)).toFixed(4)),
    );
  });

  it('a ControlNet-first unit skips batches of unconditional items only', async () => {
    const g = new ControlNetGuidance([unit({ controlMode: 'CONTROLNET_IS_MORE_IMPORTANT' })], [cnA], unet, { width: PX, height: PX });
    const b = batch();
    expect(await g.residuals({ ...b, uncond: [true, true] })).toBeUndefined();
  });

  it('acts only inside its guidance window', async () => {
    const g = new ControlNetGuidance([unit({ guidanceStart: 0.2, guidanceEnd: 0.5 })], [cnA], unet, { width: PX, height: PX });
    const active: number[] = [];
    for (let i = 0; i < 10; i++) {
      g.atStep(i, 10);
      if (await g.residuals(batch())) active.push(i);
    }
    expect(active).toEqual([2, 3, 4, 5]);
    expect([0, 0.29, 0.3, 0.31].map((s) => isActiveAt(3, 10, s, 1))).toEqual([true, true, true, false]);
  });

  it('a mask limits the control to its white part, at every residual resolution', async () => {
    const mask = new Float32Array(PX * PX);
    for (let y = 0; y < PX; y++) for (let x = 0; x < PX / 2; x++) mask[y * PX + x] = 1;
    const full = (await residuals([unit()], [cnA]))!;
    const masked = (await residuals([unit({ mask })], [cnA]))!;
    const dims = (name: string) => (name.startsWith('mid') || name.endsWith('.2') || name.endsWith('.3') ? H / 2 : H);
    for (const name of Object.keys(full)) {
      const w = dims(name);
      const plane = w * w;
      const values = masked[name];
      let wrong = 0;
      for (let i = 0; i < values.length; i++) {
        const x = (i % plane) % w;
        if (values[i] !== (x < w / 2 ? full[name][i] : 0)) wrong++;
      }
      expect({ name, wrong }).toEqual({ name, wrong: 0 });
    }
  });

  it('global pooling (shuffle-type ControlNets) averages each channel over space', async () => {
    const pooled = (await residuals([unit({ globalPool: true })], [cnA]))!;
    const full = (await residuals([unit()], [cnA]))!;
    const mid = pooled.mid_block_additional_residual;
    const plane = (H / 2) * (H / 2);
    const mean = full.mid_block_additional_residual.subarray(0, plane).reduce((s, v) => s + v, 0) / plane;
    expect(new Set(mid.subarray(0, plane)).size).toBe(1);
    expect(Math.abs(mid[0] - mean)).toBeLessThan(1e-5);
  });

  it('feeds a float16 ControlNet from a float32 UNet (converted inputs and residuals)', async () => {
    const r32 = (await residuals([unit()], [cnA]))!;
    const r16 = (await residuals([unit()], [cnA16]))!;
    for (const name of Object.keys(r32)) {
      expect(r16[name]).toBeInstanceOf(Float32Array);
      const scale = Math.max(...r32[name].map(Math.abs));
      expect(Math.max(...r16[name].map((v, i) => Math.abs(v - r32[name][i])))).toBeLessThan(0.02 * scale + 1e-3);
    }
  });
});
