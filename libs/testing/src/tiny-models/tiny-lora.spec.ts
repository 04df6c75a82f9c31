import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { f32, i32, i64, makeTempDir, maxAbsDiff, pattern, promptIds, removeDir, values } from './ort-session.test-helper';
import { readSafetensors, SafetensorsFile, tensorToFloat32 } from './safetensors';
import { generateTinyLora, LoraTarget, TinyLoraDescription } from './tiny-lora.generator';
import { generateTinySd15, generateTinySdxl, TinyModelDescription } from './tiny-pipeline.generator';

const base = { unetChannels: 16 };

/** The merge a LoRA loader performs, written out plainly: W += m · alpha/rank · up @ down on float32 initializers. */
function mergeLora(model: onnx.ModelProto, lora: SafetensorsFile, targets: LoraTarget[], multiplier: number): number {
  const byName = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
  let merged = 0;
  for (const t of targets) {
    const init = byName.get(t.initializer);
    if (!init) continue;
    const down = lora.tensors.get(`${t.key}.lora_down.weight`)!;
    const up = lora.tensors.get(`${t.key}.lora_up.weight`)!;
    const alpha = tensorToFloat32(lora.tensors.get(`${t.key}.alpha`)!)[0];
    const [rank, inF] = down.shape;
    const [outF] = up.shape;
    expect(init.dims!.map(Number)).toEqual([outF, inF]);
    const w = new Float32Array(new Uint8Array(init.rawData!).slice().buffer);
    const d = tensorToFloat32(down);
    const u = tensorToFloat32(up);
    const scale = (multiplier * alpha) / rank;
    for (let o = 0; o < outF; o++) {
      for (let i = 0; i < inF; i++) {
        let sum = 0;
        for (let r = 0; r < rank; r++) sum += u[o * rank + r] * d[r * inF + i];
        w[o * inF + i] += scale * sum;
      }
    }
    init.rawData = new Uint8Array(w.buffer);
    merged++;
  }
  return merged;
}

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
}

describe('generateTinyLora (kohya safetensors)', () => {
  let root: string;
  let model: TinyModelDescription;
  let lora: TinyLoraDescription;
  let file: SafetensorsFile;

  beforeAll(async () => {
    root = await makeTempDir();
    model = await generateTinySd15(path.join(root, 'sd15'), base);
    lora = await generateTinyLora(path.join(root, 'style.safetensors'), { base, rank: 4, alpha: 2 });
    file = await readSafetensors(lora.file);
  });

  afterAll(() => removeDir(root));

  it('writes kohya keys for UNet cross-attention and text encoder attention', () => {
    const keys = lora.targets.map((t) => t.key);
    expect(keys).toContain('lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k');
    expect(keys).toContain('lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_out_0');
    expect(keys).toContain('lora_te_text_model_encoder_layers_0_self_attn_q_proj');
    expect(lora.targets.filter((t) => t.component === 'unet')).toHaveLength(5 * 4);
    expect(lora.targets.filter((t) => t.component === 'text_encoder')).toHaveLength(4 * 4);
    expect(file.metadata).toMatchObject({ ss_network_dim: '4', ss_network_alpha: '2', ss_network_module: 'networks.lora' });
    expect(file.tensors.size).toBe(3 * lora.targets.length);
    for (const t of lora.targets) {
      expect(file.tensors.get(`${t.key}.lora_down.weight`)).toMatchObject({ dtype: 'F16', shape: [4, t.shape[1]] });
      expect(file.tensors.get(`${t.key}.lora_up.weight`)).toMatchObject({ dtype: 'F16', shape: [t.shape[0], 4] });
      expect(file.tensors.get(`${t.key}.alpha`)).toMatchObject({ shape: [] });
    }
  });

  it('targets initializers that exist in the generated model with the same shapes', () => {
    for (const t of lora.targets) expect(model.weights[t.component]).toContain(t.initializer);
  });

  it('merging into the ONNX initializers changes the UNet and text encoder; multiplier 0 changes nothing', async () => {
    const unetBytes = await readFile(path.join(model.dir, 'unet/model.onnx'));
    const unetFeeds = {
      sample: f32(pattern(4 * 16 * 16, 0.3), [1, 4, 16, 16]),
      timestep: i64([400]),
      encoder_hidden_states: f32(pattern(77 * 32, 0.02), [1, 77, 32]),
    };
    const runUnet = async (multiplier: number | null) => {
      const m = onnx.ModelProto.decode(unetBytes);
      if (multiplier !== null) expect(mergeLora(m, file, lora.targets, multiplier)).toBe(20);
      const s = await session(onnx.ModelProto.encode(m).finish());
      const out = values((await s.run(unetFeeds)).out_sample);
      await s.release();
      return out;
    };
    const original = await runUnet(null);
    expect(maxAbsDiff(original, await runUnet(0))).toBe(0);
    expect(maxAbsDiff(original, await runUnet(1))).toBeGreaterThan(1e-2);

    const teBytes = await readFile(path.join(model.dir, 'text_encoder/model.onnx'));
    const runText = async (multiplier: number | null) => {
      const m = onnx.ModelProto.decode(teBytes);
      if (multiplier !== null) expect(mergeLora(m, file, lora.targets, multiplier)).toBe(16);
      const s = await session(onnx.ModelProto.encode(m).finish());
      const out = values((await s.run({ input_ids: i32(promptIds('cat'), [1, 77]) })).last_hidden_state);
      await s.release();
      return out;
    };
    expect(maxAbsDiff(await runText(null), await runText(0.8))).toBeGreaterThan(1e-2);
  });

  it('uses lora_te1_/lora_te2_ prefixes and the wider cross-attention for SDXL', async () => {
    const sdxl = await generateTinyLora(path.join(root, 'xl.safetensors'), { family: 'sdxl', base, textEncoder: true, targets: 'attention+mlp', dtype: 'F32' });
    const keys = sdxl.targets.map((t) => t.key);
    expect(keys).toContain('lora_te1_text_model_encoder_layers_3_mlp_fc2');
    expect(keys).toContain('lora_te2_text_model_encoder_layers_0_self_attn_v_proj');
    expect(keys.some((k) => k.startsWith('lora_te_'))).toBe(false);
    const toK = sdxl.targets.find((t) => t.key === 'lora_unet_up_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k')!;
    expect(toK.shape).toEqual([16, 96]);
    const te2Fc1 = sdxl.targets.find((t) => t.key === 'lora_te2_text_model_encoder_layers_0_mlp_fc1')!;
    expect(te2Fc1.shape).toEqual([128, 64]);
    const parsed = await readSafetensors(sdxl.file);
    expect(parsed.tensors.get(`${toK.key}.lora_down.weight`)).toMatchObject({ dtype: 'F32', shape: [4, 96] });
    const xl = await generateTinySdxl(path.join(root, 'xl'), base);
    for (const t of sdxl.targets) expect(xl.weights[t.component]).toContain(t.initializer);
  });
});
