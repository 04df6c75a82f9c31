import * as path from 'node:path';
import { generateTinyLora, generateTinySd15, generateTinySdxl, readSafetensors, tensorToFloat32, writeSafetensors, floatTensor } from '@darkroom/testing';
import { FatalRunError } from '../runner/job-runner';
import { makeTempDir, removeDir } from './engine.test-helper';
import { blockMultipliers, blockOf, loadLora, mergeLorasInto, parseBlockWeight } from './lora-merge';
import { OnnxWeights } from './onnx-initializers';

const ones = (n: number, zeroAt: number[] = []) => Array.from({ length: n }, (_, i) => (zeroAt.includes(i) ? 0 : 1)).join(',');

describe('LoRA block weights', () => {
  it('maps diffusers module names to the original UNet blocks', () => {
    const cases: [string, string][] = [
      ['down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight', 'IN01'],
      ['down_blocks.0.resnets.1.conv1.weight', 'IN02'],
      ['down_blocks.0.downsamplers.0.conv.weight', 'IN03'],
      ['down_blocks.1.attentions.1.proj_in.weight', 'IN05'],
      ['down_blocks.3.resnets.1.conv2.weight', 'IN11'],
      ['mid_block.attentions.0.proj_out.weight', 'M00'],
      ['up_blocks.0.resnets.2.conv1.weight', 'OUT02'],
      ['up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_q.weight', 'OUT03'],
      ['up_blocks.3.attentions.2.proj_out.weight', 'OUT11'],
      ['up_blocks.2.upsamplers.0.conv.weight', 'OUT08'],
      ['conv_in.weight', 'IN00'],
      ['time_embedding.linear_1.weight', 'BASE'],
    ];
    for (const [name, block] of cases) expect([name, blockOf('unet', name)]).toEqual([name, block]);
    expect(blockOf('text_encoder', 'text_model.encoder.layers.0.self_attn.q_proj.weight')).toBe('BASE');
  });

  it('reads w:lbw= vectors per family (17/26 SD, 12/20 SDXL); unlisted blocks get 0', () => {
    expect(parseBlockWeight('0.5:lbw=1,0,2')).toEqual({ multiplier: 0.5, values: [1, 0, 2] });
    const sd = blockMultipliers('SD1', 0.8, `0.5:lbw=${ones(17, [1])}`, 'x');
    expect([sd('BASE'), sd('IN01'), sd('IN02'), sd('IN00'), sd('M00'), sd('OUT11')]).toEqual([0.4, 0, 0.4, 0, 0.4, 0.4]);
    const xl = blockMultipliers('SDXL', 1, `1:lbw=${ones(12, [5])}`, 'x');
    expect([xl('IN04'), xl('M00'), xl('OUT05'), xl('OUT06')]).toEqual([1, 0, 1, 0]);
    expect(blockMultipliers('SD2', 0.7, undefined, 'x')('IN07')).toBe(0.7);
    expect(() => blockMultipliers('SDXL', 1, `1:lbw=${ones(17)}`, 'LoRA "a"')).toThrow(/LoRA "a": blockWeight has 17 values; SDXL models take 12 or 20/);
    expect(() => blockMultipliers('SD1', 1, `1:lbw=${ones(20)}`, 'x')).toThrow(FatalRunError);
  });
});

describe('LoRA merge into ONNX initializers', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir();
  });
  afterAll(async () => removeDir(root));

  it('adds m · alpha/rank · up @ down to exactly the targeted weights', async () => {
    const model = path.join(root, 'sd15');
    await generateTinySd15(model);
    const lora = await generateTinyLora(path.join(root, 'a.safetensors'), { rank: 4, alpha: 2 });
    const file = await readSafetensors(lora.file);
    const loaded = await loadLora({ id: '1', name: 'a', file: lora.file, weight: 0.75 }, 'SD1');
    expect([...loaded.components].sort()).toEqual(['text_encoder', 'unet']);
    const base = await OnnxWeights.read(path.join(model, 'unet', 'model.onnx'));
    const merged = await OnnxWeights.read(path.join(model, 'unet', 'model.onnx'));
    mergeLorasInto(merged, 'unet', 'SD1', [loaded], 'tiny');
    const targets = new Map(lora.targets.filter((t) => t.component === 'unet').map((t) => [t.initializer, t]));
    expect(targets.size).toBe(20);
    let worst = 0;
    for (const name of base.floatNames()) {
      const before = base.get(name);
      const after = merged.get(name);
      const t = targets.get(name);
      if (!t) {
        expect(after).toEqual(before);
        continue;
      }
      const up = tensorToFloat32(file.tensors.get(`${t.key}.lora_up.weight`)!);
      const down = tensorToFloat32(file.tensors.get(`${t.key}.lora_down.weight`)!);
      const [out, inp] = t.shape;
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inp; i++) {
          let delta = 0;
          for (let r = 0; r < 4; r++) delta += up[o * 4 + r] * down[r * inp + i];
          worst = Math.max(worst, Math.abs(after[o * inp + i] - (before[o * inp + i] + 0.75 * 0.5 * delta)));
        }
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('leaves a block with lbw 0 (and everything at weight 0) byte for byte unchanged', async () => {
    const model = path.join(root, 'sd15');
    const lora = await generateTinyLora(path.join(root, 'b.safetensors'), {});
    const unetFile = path.join(model, 'unet', 'model.onnx');
    const base = await OnnxWeights.read(unetFile);
    // 17 values: BASE, IN01, IN02, IN04, IN05, IN07, IN08, M00, OUT03 … OUT11. Zero IN01 (down_blocks.0) and OUT03 (up_blocks.1).
    const zeroed = await OnnxWeights.read(unetFile);
    mergeLorasInto(zeroed, 'unet', 'SD1', [await loadLora({ id: '1', name: 'b', file: lora.file, weight: 1, blockWeight: `1:lbw=${ones(17, [1, 8])}` }, 'SD1')], 'm');
    const changed = zeroed.floatNames().filter((n) => !Buffer.from(zeroed.get(n).buffer).equals(Buffer.from(base.get(n).buffer)));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((n) => n.startsWith('down_blocks.0.') || n.startsWith('up_blocks.1.'))).toEqual([]);
    expect(changed.some((n) => n.startsWith('down_blocks.1.'))).toBe(true);

    const none = await OnnxWeights.read(unetFile);
    mergeLorasInto(none, 'unet', 'SD1', [await loadLora({ id: '1', name: 'b', file: lora.file, weight: 1, blockWeight: `1:lbw=${ones(17, [...Array(17).keys()])}` }, 'SD1')], 'm');
    expect(Buffer.from(none.toBytes()).equals(Buffer.from(base.toBytes()))).toBe(true);
  });

  it('merges into float16 exports and SDXL text encoders', async () => {
    const model = path.join(root, 'xl16');
    await generateTinySdxl(model, { float16: true });
    const lora = await generateTinyLora(path.join(root, 'xl.safetensors'), { family: 'sdxl', base: { float16: true } });
    const loaded = await loadLora({ id: '1', name: 'xl', file: lora.file, weight: 1 }, 'SDXL');
    expect([...loaded.components].sort()).toEqual(['text_encoder', 'text_encoder_2', 'unet']);
    for (const component of ['text_encoder', 'text_encoder_2', 'unet'] as const) {
      const file = path.join(model, component, 'model.onnx');
      const merged = await OnnxWeights.read(file);
      mergeLorasInto(merged, component, 'SDXL', [loaded], 'xl');
      const target = lora.targets.find((t) => t.component === component)!;
      const again = await OnnxWeights.read(file);
      expect(Math.max(...merged.get(target.initializer).map((v, i) => Math.abs(v - again.get(target.initializer)[i])))).toBeGreaterThan(1e-3);
    }
  });

  it('merges a LoRA saved with the original UNet names (kohya SDXL) exactly as its diffusers-named twin', async () => {
    const model = path.join(root, 'xl-sgm');
    await generateTinySdxl(model);
    const diffusersNamed = await generateTinyLora(path.join(root, 'xl-diffusers.safetensors'), { family: 'sdxl', seed: 21, targets: 'attention+mlp' });
    // The tiny UNet's transformer blocks under their original names (2 layers per down level, 3 per up level).
    const ORIGINAL: Record<string, string> = {
      down_blocks_0_attentions_0: 'input_blocks_1_1',
      down_blocks_1_attentions_0: 'input_blocks_4_1',
      mid_block_attentions_0: 'middle_block_1',
      up_blocks_0_attentions_0: 'output_blocks_0_1',
      up_blocks_1_attentions_0: 'output_blocks_3_1',
    };
    const file = await readSafetensors(diffusersNamed.file);
    const renamed: Record<string, ReturnType<typeof floatTensor>> = {};
    let unetKeys = 0;
    for (const [name, t] of file.tensors) {
      const m = /^lora_unet_((?:down_blocks|up_blocks)_\d+_attentions_\d+|mid_block_attentions_\d+)_(.+)$/.exec(name);
      if (m) unetKeys++;
      renamed[m ? `lora_unet_${ORIGINAL[m[1]]}_${m[2]}` : name] = floatTensor(t.shape, tensorToFloat32(t));
    }
    expect(unetKeys).toBeGreaterThan(10);
    await writeSafetensors(path.join(root, 'xl-original.safetensors'), renamed);
    const unet = path.join(model, 'unet', 'model.onnx');
    const merge = async (lora: string) => {
      const weights = await OnnxWeights.read(unet);
      mergeLorasInto(weights, 'unet', 'SDXL', [await loadLora({ id: '1', name: lora, file: path.join(root, lora), weight: 1 }, 'SDXL')], 'xl');
      return weights;
    };
    const [a, b, base] = await Promise.all([merge('xl-diffusers.safetensors'), merge('xl-original.safetensors'), OnnxWeights.read(unet)]);
    const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    const changed = base.floatNames().filter((n) => !bytes(a.get(n)).equals(bytes(base.get(n))));
    expect(changed.length).toBeGreaterThan(10);
    expect(base.floatNames().filter((n) => !bytes(a.get(n)).equals(bytes(b.get(n))))).toEqual([]);
  });

  it('merges LyCORIS LoHa and LoKr modules: (w1a·w1b) ⊙ (w2a·w2b) and w1 ⊗ w2 (Linear and convolution), scaled by alpha / rank', async () => {
    const model = path.join(root, 'lyco');
    await generateTinySd15(model);
    const unet = path.join(model, 'unet', 'model.onnx');
    const q = 'down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_q.weight';
    const conv = 'down_blocks.0.resnets.0.conv1.weight';
    const key = (name: string) => `lora_unet_${name.slice(0, -'.weight'.length).replace(/\./g, '_')}`;
    let seed = 7;
    const rand = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2);
    const matmul = (a: Float32Array, b: Float32Array, rows: number, rank: number, cols: number) => {
      const out = new Float32Array(rows * cols);
      for (let i = 0; i < rows; i++) for (let k = 0; k < rank; k++) for (let j = 0; j < cols; j++) out[i * cols + j] += a[i * rank + k] * b[k * cols + j];
      return out;
    };
    const [w1a, w1b, w2a, w2b] = [rand(32 * 4), rand(4 * 32), rand(32 * 4), rand(4 * 32)];
    await writeSafetensors(path.join(root, 'loha.safetensors'), {
      [`${key(q)}.hada_w1_a`]: floatTensor([32, 4], w1a),
      [`${key(q)}.hada_w1_b`]: floatTensor([4, 32], w1b),
      [`${key(q)}.hada_w2_a`]: floatTensor([32, 4], w2a),
      [`${key(q)}.hada_w2_b`]: floatTensor([4, 32], w2b),
      [`${key(q)}.alpha`]: floatTensor([], Float32Array.of(2)),
    });
    // LoKr: a whole w1 with w2 as a rank-2 product on the Linear weight; both whole on the convolution (no rank: scale 1).
    const [k1, k2a, k2b, c1, c2] = [rand(4 * 4), rand(8 * 2), rand(2 * 8), rand(2 * 4), rand(16 * 8 * 3 * 3)];
    await writeSafetensors(path.join(root, 'lokr.safetensors'), {
      [`${key(q)}.lokr_w1`]: floatTensor([4, 4], k1),
      [`${key(q)}.lokr_w2_a`]: floatTensor([8, 2], k2a),
      [`${key(q)}.lokr_w2_b`]: floatTensor([2, 8], k2b),
      [`${key(q)}.alpha`]: floatTensor([], Float32Array.of(1)),
      [`${key(conv)}.lokr_w1`]: floatTensor([2, 4], c1),
      [`${key(conv)}.lokr_w2`]: floatTensor([16, 8, 3, 3], c2),
      [`${key(conv)}.alpha`]: floatTensor([], Float32Array.of(5)),
    });
    const merged = async (file: string, weight: number) => {
      const w = await OnnxWeights.read(unet);
      mergeLorasInto(w, 'unet', 'SD1', [await loadLora({ id: '1', name: file, file: path.join(root, file), weight }, 'SD1')], 'tiny');
      return w;
    };
    const base = await OnnxWeights.read(unet);
    const expectAdded = (after: Float32Array, before: Float32Array, delta: (index: number) => number) => {
      let worst = 0;
      for (let i = 0; i < before.length; i++) worst = Math.max(worst, Math.abs(after[i] - before[i] - delta(i)));
      expect(worst).toBeLessThan(1e-5);
      expect(Math.max(...after.map((v, i) => Math.abs(v - before[i])))).toBeGreaterThan(1e-3);
    };

    const p1 = matmul(w1a, w1b, 32, 4, 32);
    const p2 = matmul(w2a, w2b, 32, 4, 32);
    expectAdded((await merged('loha.safetensors', 0.8)).get(q), base.get(q), (i) => 0.8 * (2 / 4) * p1[i] * p2[i]);

    const lokr = await merged('lokr.safetensors', 1);
    const k2 = matmul(k2a, k2b, 8, 2, 8);
    // torch.kron: [4,4] ⊗ [8,8] → [32,32], element [i·8+p, j·8+q] = w1[i,j] · w2[p,q].
    expectAdded(lokr.get(q), base.get(q), (index) => {
      const [row, col] = [Math.floor(index / 32), index % 32];
      return (1 / 2) * k1[Math.floor(row / 8) * 4 + Math.floor(col / 8)] * k2[(row % 8) * 8 + (col % 8)];
    });
    // [2,4,1,1] ⊗ [16,8,3,3] → [32,32,3,3], element [i·16+p, j·8+s, u, v] = w1[i,j] · w2[p,s,u,v].
    expectAdded(lokr.get(conv), base.get(conv), (index) => {
      const [o, inner] = [Math.floor(index / 288), index % 288];
      const [c, u, v] = [Math.floor(inner / 9), Math.floor((inner % 9) / 3), inner % 3];
      const [i, p, j, sIn] = [Math.floor(o / 16), o % 16, Math.floor(c / 8), c % 8];
      return c1[i * 4 + j] * c2[((p * 8 + sIn) * 3 + u) * 3 + v];
    });
  });

  it('refuses LoRA variants it cannot merge (DoRA, Tucker-decomposed LyCORIS) by name, not silently', async () => {
    const dora = path.join(root, 'dora.safetensors');
    await writeSafetensors(dora, {
      'lora_unet_a.lora_down.weight': floatTensor([2, 4], new Float32Array(8)),
      'lora_unet_a.lora_up.weight': floatTensor([4, 2], new Float32Array(8)),
      'lora_unet_a.dora_scale': floatTensor([4, 1], new Float32Array(4)),
    });
    await expect(loadLora({ id: '1', name: 'dora', file: dora, weight: 1 }, 'SD1')).rejects.toThrow(/LoRA "dora" is DoRA \(dora_scale\), which darkroom cannot merge/);
    const tucker = path.join(root, 'tucker.safetensors');
    await writeSafetensors(tucker, { 'lora_unet_a.hada_w1_a': floatTensor([4, 2], new Float32Array(8)), 'lora_unet_a.hada_t1': floatTensor([2, 2, 3, 3], new Float32Array(36)) });
    await expect(loadLora({ id: '1', name: 'tucker', file: tucker, weight: 1 }, 'SD1')).rejects.toThrow(/Tucker-decomposed LoHa \(hada_t1\)/);
    const cp = path.join(root, 'locon-cp.safetensors');
    await writeSafetensors(cp, { 'lora_unet_a.lora_down.weight': floatTensor([2, 4, 1, 1], new Float32Array(8)), 'lora_unet_a.lora_mid.weight': floatTensor([2, 2, 3, 3], new Float32Array(36)) });
    await expect(loadLora({ id: '1', name: 'cp', file: cp, weight: 1 }, 'SD1')).rejects.toThrow(/Tucker-decomposed LoCon \(lora_mid.weight\)/);
    const empty = path.join(root, 'empty.safetensors');
    await writeSafetensors(empty, { 'something.else': floatTensor([2], new Float32Array(2)) });
    await expect(loadLora({ id: '1', name: 'empty', file: empty, weight: 1 }, 'SD1')).rejects.toThrow(/holds no module darkroom can merge/);
  });

  it('refuses a LoRA that matches no weight of the model', async () => {
    const file = path.join(root, 'alien.safetensors');
    await writeSafetensors(file, {
      'lora_unet_no_such_block_to_k.lora_down.weight': floatTensor([2, 4], new Float32Array(8)),
      'lora_unet_no_such_block_to_k.lora_up.weight': floatTensor([4, 2], new Float32Array(8)),
    });
    const weights = await OnnxWeights.read(path.join(root, 'sd15', 'unet', 'model.onnx'));
    const loaded = await loadLora({ id: '9', name: 'alien', file, weight: 1 }, 'SD1');
    expect(() => mergeLorasInto(weights, 'unet', 'SD1', [loaded], 'tiny')).toThrow(/LoRA "alien" matches no weight of the unet of "tiny"/);
    await expect(loadLora({ id: '9', name: 'missing', file: path.join(root, 'nope.safetensors'), weight: 1 }, 'SD1')).rejects.toThrow(/could not be read/);
  });
});
