import { layerNorm, linear, scalar } from './layers';
import { OnnxGraphBuilder, TensorType } from './onnx-graph.builder';
import { Prng } from './prng';

export const CLIP_VOCAB_SIZE = 49408;
export const CLIP_MAX_POSITIONS = 77;

export interface TextEncoderSpec {
  seed: number;
  /** Seed label: keeps text_encoder and text_encoder_2 weights independent. */
  label: string;
  hiddenSize: number;
  layers: number;
  /** Set for CLIPTextModelWithProjection (SDXL's text_encoder_2): adds `text_embeds` [B, projectionDim]. */
  projectionDim?: number;
  /** Emit `hidden_states.0` … `hidden_states.<layers>` (optimum's `output_hidden_states` export). */
  hiddenStates: boolean;
  inputIdsType: 'int32' | 'int64';
  floatType: 'float32' | 'float16';
  /** How Linear weights are stored (GraphOptions.linearWeights; default named). */
  linearWeights?: 'named' | 'folded';
}

/**
 * A CLIP-text-shaped encoder. Per layer: LayerNorm → q/k/v projections → a causal running mean of the values, gated
 * per token by q·k (CLIP's attention is causal too, so padding after the end token never changes earlier tokens) →
 * out_proj, residual; then LayerNorm → fc1 → tanh → fc2, residual. `pooler_output` is the final-layer-normed state
 * at the first highest token id (the end token), as CLIP pools.
 */
export function buildTextEncoder(spec: TextEncoderSpec): OnnxGraphBuilder {
  const { hiddenSize: d, layers } = spec;
  const b = new OnnxGraphBuilder(spec.label, Prng.derive(spec.seed, spec.label), spec.floatType, { linearWeights: spec.linearWeights });
  const ft: TensorType = spec.floatType;
  const seq: (string | number)[] = ['batch_size', 'sequence_length'];

  const ids = b.input('input_ids', spec.inputIdsType, seq);
  const ids64 = spec.inputIdsType === 'int64' ? ids : b.op('Cast', [ids], { to: 7 });

  let h = b.scope('text_model/embeddings', () => {
    const tokenTable = b.randomWeight('text_model.embeddings.token_embedding.weight', [CLIP_VOCAB_SIZE, d], 0.5);
    const posTable = b.randomWeight('text_model.embeddings.position_embedding.weight', [CLIP_MAX_POSITIONS, d], 0.5);
    const tokens = b.op('Gather', [tokenTable, ids64], { axis: 0 });
    return b.op('Add', [tokens, sliceToSequence(b, posTable, ids)]);
  });

  // 1 / (position + 1) for the causal running mean, sliced to the sequence length like the position table.
  const inv = new Float32Array(CLIP_MAX_POSITIONS);
  for (let i = 0; i < inv.length; i++) inv[i] = 1 / (i + 1);
  const invPositions = sliceToSequence(b, b.constFloat(inv, [CLIP_MAX_POSITIONS, 1]), ids);

  const hidden: string[] = [h];
  for (let i = 0; i < layers; i++) {
    const p = `text_model.encoder.layers.${i}`;
    h = b.scope(`text_model/encoder/layers.${i}`, () => {
      const a = layerNorm(b, h, `${p}.layer_norm1`, d);
      const q = linear(b, a, `${p}.self_attn.q_proj`, d, d);
      const k = linear(b, a, `${p}.self_attn.k_proj`, d, d);
      const v = linear(b, a, `${p}.self_attn.v_proj`, d, d);
      const qk = b.op('ReduceSum', [b.op('Mul', [q, k]), b.constInt64([-1])], { keepdims: 1 });
      const gate = b.op('Sigmoid', [b.op('Mul', [qk, scalar(b, 1 / Math.sqrt(d))])]);
      const running = b.op('CumSum', [b.op('Mul', [v, gate]), b.constInt64([1], [])]);
      const mixed = b.op('Mul', [running, invPositions]);
      const attnOut = linear(b, mixed, `${p}.self_attn.out_proj`, d, d, { gain: 0.5 });
      const h1 = b.op('Add', [h, attnOut]);
      const m = layerNorm(b, h1, `${p}.layer_norm2`, d);
      const f = b.op('Tanh', [linear(b, m, `${p}.mlp.fc1`, d, 2 * d)]);
      return b.op('Add', [h1, linear(b, f, `${p}.mlp.fc2`, 2 * d, d, { gain: 0.5 })]);
    });
    hidden.push(h);
  }

  const last = layerNorm(b, h, 'text_model.final_layer_norm', d);
  const pooled = b.scope('pooler', () => {
    const eos = b.op('ArgMax', [b.op('Cast', [ids64], { to: 1 })], { axis: 1, keepdims: 1 }); // [B, 1]
    const index = b.op('Expand', [b.op('Unsqueeze', [eos, b.constInt64([2])]), b.constInt64([1, 1, d])]);
    const picked = b.op('GatherElements', [last, index], { axis: 1 }); // [B, 1, D]
    return b.op('Squeeze', [picked, b.constInt64([1])]);
  });

  const seqD = [...seq, d];
  if (spec.projectionDim !== undefined) {
    const proj = linear(b, pooled, 'text_projection', d, spec.projectionDim, { bias: false });
    b.output('text_embeds', proj, ft, ['batch_size', spec.projectionDim]);
    b.output('last_hidden_state', last, ft, seqD);
  } else {
    b.output('last_hidden_state', last, ft, seqD);
    b.output('pooler_output', pooled, ft, ['batch_size', d]);
  }
  if (spec.hiddenStates) hidden.forEach((value, i) => b.output(`hidden_states.${i}`, value, ft, seqD));
  return b;
}

/** Rows 0 … sequence_length-1 of a [77, …] table, so shorter (or longer-padded) token sequences also run. */
function sliceToSequence(b: OnnxGraphBuilder, table: string, ids: string): string {
  const length = b.op('Shape', [ids], { start: 1, end: 2 });
  return b.op('Slice', [table, b.constInt64([0]), length, b.constInt64([0])]);
}
