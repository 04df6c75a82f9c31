import * as path from 'node:path';
import { generateTinySd15, generateTinySdxl } from '@darkroom/testing';
import { FatalRunError } from '../runner/job-runner';
import { makeTempDir, removeDir } from './engine.test-helper';
import { sessionOptions } from './execution-options';
import { readModelFolder } from './model-folder';
import { floatData, idsTensor } from './onnx-component';
import { LoadedPipeline, loadPipeline, TokenizerCache } from './pipeline-loader';
import { SessionCache } from './session-cache';
import { applyTokenWeights, chooseLayer, encodePromptPair, recoverFinalNorm } from './text-conditioning';

const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('token weighting and final-norm recovery', () => {
  it('scales weighted tokens and restores the chunk mean (A1111 emphasis)', () => {
    const dim = 3;
    const chunk = Float32Array.from({ length: 77 * dim }, (_, i) => 1 + Math.sin(i) * 0.5);
    const original = chunk.slice();
    const weights = new Float32Array(77).fill(1);
    weights[5] = 1.5;
    weights[6] = 0.5;
    applyTokenWeights(chunk, weights, dim);
    expect(mean(chunk)).toBeCloseTo(mean(original), 6);
    const scale = chunk[0] / original[0];
    expect(chunk[5 * dim + 1] / original[5 * dim + 1]).toBeCloseTo(1.5 * scale, 5);
    expect(chunk[6 * dim + 2] / original[6 * dim + 2]).toBeCloseTo(0.5 * scale, 5);
    const untouched = original.slice();
    applyTokenWeights(untouched, new Float32Array(77).fill(1), dim);
    expect(untouched).toEqual(original);
  });

  it('recovers a LayerNorm affine map exactly from its inputs and outputs', () => {
    const rows = 20;
    const dim = 4;
    const w = [1.5, -0.5, 2, 0.25];
    const b = [0.1, 0.2, -0.3, 0];
    const pre = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 1.7) * 3 + (i % dim));
    const post = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const row = pre.subarray(r * dim, (r + 1) * dim);
      const mu = mean(row);
      const variance = row.reduce((s, v) => s + (v - mu) ** 2, 0) / dim;
      for (let d = 0; d < dim; d++) post[r * dim + d] = ((row[d] - mu) / Math.sqrt(variance + 1e-5)) * w[d] + b[d];
    }
    const fit = recoverFinalNorm(pre, post, rows, dim, 1e-5);
    for (let d = 0; d < dim; d++) {
      expect(fit.weight[d]).toBeCloseTo(w[d], 5);
      expect(fit.bias[d]).toBeCloseTo(b[d], 5);
    }
  });
});

describe('text conditioning on tiny encoders', () => {
  let root: string;
  const cache = new SessionCache({ memoryBudgetBytes: 1e9, sessionOptions: sessionOptions({ intraOpThreads: 1 }) });
  const tokenizers = new TokenizerCache();
  let sd15: LoadedPipeline;
  let sdxl: LoadedPipeline;
  let bare: LoadedPipeline;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'sd15'));
    await generateTinySdxl(path.join(root, 'sdxl'));
    await generateTinySd15(path.join(root, 'bare'), { hiddenStates: false });
    const load = (name: string) => {
      const model = readModelFolder(path.join(root, name));
      return loadPipeline(cache, tokenizers, { model, modelKey: name, encoders: model.textEncoders, vaeEncoder: false });
    };
    [sd15, sdxl, bare] = [await load('sd15'), await load('sdxl'), await load('bare')];
  });
  afterAll(async () => {
    [sd15, sdxl, bare].forEach((p) => p?.release());
    await cache.clear();
    await removeDir(root);
  });

  const encode = (p: LoadedPipeline, prompt: string, clipSkip?: number, negative = '') =>
    encodePromptPair({ units: p.textUnits, family: p.family, clipSkip }, [{ text: prompt }], negative ? [{ text: negative }] : []);

  it('clipSkip picks an earlier layer (with the final LayerNorm applied) and changes the conditioning', async () => {
    const skip1 = await encode(sd15, 'a photo of a cat');
    const skip2 = await encode(sd15, 'a photo of a cat', 2);
    const skip3 = await encode(sd15, 'a photo of a cat', 3);
    expect(maxDiff(skip1.cond.hidden, skip2.cond.hidden)).toBeGreaterThan(1e-2);
    expect(maxDiff(skip2.cond.hidden, skip3.cond.hidden)).toBeGreaterThan(1e-2);
    // The states are normalized like last_hidden_state: per token mean ≈ bias mean, not the raw residual stream.
    const unit = sd15.textUnits[0];
    const ids = new Int32Array(77).fill(49407);
    ids.set([49406, 320, 1125, 539, 320, 2368, 49407]);
    const raw = await unit.component.run({ input_ids: idsTensor(unit.component.input('input_ids'), ids, [1, 77]) }, ['hidden_states.3']);
    expect(maxDiff(floatData(raw['hidden_states.3']), skip2.cond.hidden)).toBeGreaterThan(1e-2);
    // On the real graph the recovered norm maps hidden_states.4 onto last_hidden_state.
    const both = await unit.component.run({ input_ids: idsTensor(unit.component.input('input_ids'), ids, [1, 77]) }, ['hidden_states.4', 'last_hidden_state']);
    const pre = floatData(both['hidden_states.4']);
    const post = floatData(both.last_hidden_state);
    const fit = recoverFinalNorm(pre, post, 77, 32, 1e-5);
    let worst = 0;
    for (let r = 0; r < 77; r++) {
      const row = pre.subarray(r * 32, (r + 1) * 32);
      const mu = mean(row);
      const sd = Math.sqrt(row.reduce((acc, v) => acc + (v - mu) ** 2, 0) / 32 + 1e-5);
      for (let d = 0; d < 32; d++) worst = Math.max(worst, Math.abs(((row[d] - mu) / sd) * fit.weight[d] + fit.bias[d] - post[r * 32 + d]));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(chooseLayer(unit, 'SD1', 2)).toEqual({ output: 'hidden_states.3', finalNorm: true });
    expect(chooseLayer(unit, 'SD1', undefined)).toEqual({ output: 'last_hidden_state', finalNorm: false });
  });

  it('refuses clip skip that the export cannot provide', async () => {
    await expect(encode(bare, 'a cat', 2)).rejects.toThrow(FatalRunError);
    await expect(encode(bare, 'a cat', 2)).rejects.toThrow(/hidden_states/);
    await expect(encode(sd15, 'a cat', 5)).rejects.toThrow(/clipSkip 5 is too large/);
    expect((await encode(bare, 'a cat')).cond.tokens).toBe(77); // clip skip 1 needs no hidden states
  });

  it('weights tokens, concatenates 77-token chunks and pads the negative prompt to the same length', async () => {
    const plain = await encode(sd15, 'a photo of a cat');
    const weighted = await encode(sd15, 'a photo of a (cat:1.5)');
    expect(maxDiff(plain.cond.hidden, weighted.cond.hidden)).toBeGreaterThan(1e-3);
    expect(mean(weighted.cond.hidden)).toBeCloseTo(mean(plain.cond.hidden), 5);
    const long = await encode(sd15, Array(100).fill('cat').join(' '), undefined, 'blurry');
    expect(long.chunkCount).toBe(2);
    expect([long.cond.tokens, long.uncond.tokens]).toEqual([154, 154]);
    expect(long.cond.hidden.length).toBe(154 * 32);
    // The negative's second chunk is an empty chunk, encoded: not zeros.
    expect(long.uncond.hidden.subarray(77 * 32).some((v) => v !== 0)).toBe(true);
  });

  it('SDXL: joins both encoders, pools text_embeds from the second and honours clip skip', async () => {
    const a = await encode(sdxl, 'a photo of a cat');
    expect(a.cond.dim).toBe(32 + 64);
    expect(a.cond.pooled?.length).toBe(64);
    const b = await encode(sdxl, 'a photo of a cat', 2);
    expect(maxDiff(a.cond.hidden, b.cond.hidden)).toBeGreaterThan(1e-3);
    expect(chooseLayer(sdxl.textUnits[1], 'SDXL', 1)).toEqual({ output: 'hidden_states.3', finalNorm: false });
    expect(chooseLayer(sdxl.textUnits[1], 'SDXL', 2)).toEqual({ output: 'hidden_states.2', finalNorm: false });
  });
});
