import { layerNorm, linear, scalar, silu, sinusoidalEmbedding } from './layers';
import { OnnxGraphBuilder } from './onnx-graph.builder';
import { Prng } from './prng';

export interface T5EncoderSpec {
  seed: number;
  vocabSize: number;
  hiddenSize: number;
}

/**
 * A T5-encoder-shaped graph as optimum exports it: `input_ids` [B,L] and `attention_mask` [B,L] (int64) →
 * `last_hidden_state` [B,L,D]. Token embeddings (`shared.weight`), one bidirectional mixing step (every token gets a
 * projection of the masked mean of all tokens, as attention over the whole prompt would give) and a feed-forward
 * block with a final LayerNorm: each state depends on the whole prompt.
 */
export function buildT5Encoder(spec: T5EncoderSpec): OnnxGraphBuilder {
  const b = new OnnxGraphBuilder('text_encoder_t5', Prng.derive(spec.seed, 'text_encoder_t5'));
  const d = spec.hiddenSize;
  const ids = b.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = b.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const emb = b.op('Gather', [b.randomWeight('shared.weight', [spec.vocabSize, d], 1), ids], { axis: 0 });
  const m = b.op('Unsqueeze', [b.op('Cast', [mask], { to: 1 }), b.constInt64([2])]);
  const sum = b.op('ReduceSum', [b.op('Mul', [emb, m]), b.constInt64([1])], { keepdims: 1 });
  const count = b.op('Max', [b.op('ReduceSum', [m, b.constInt64([1])], { keepdims: 1 }), scalar(b, 1)]);
  const mean = b.op('Div', [sum, count]);
  let h = b.op('Add', [emb, linear(b, mean, 'encoder.block.0.layer.0.SelfAttention.o', d, d)]);
  const f = b.op('Tanh', [linear(b, layerNorm(b, h, 'encoder.block.0.layer.1.layer_norm', d), 'encoder.block.0.layer.1.DenseReluDense.wi', d, 2 * d)]);
  h = b.op('Add', [h, linear(b, f, 'encoder.block.0.layer.1.DenseReluDense.wo', 2 * d, d, { gain: 0.5 })]);
  b.output('last_hidden_state', layerNorm(b, h, 'encoder.final_layer_norm', d), 'float32', ['batch_size', 'sequence_length', d]);
  return b;
}

export interface EllaSpec {
  seed: number;
  /** Width of the T5 states it reads. */
  t5Dim: number;
  /** Width of the UNet's cross-attention (its `encoder_hidden_states`). */
  outputDim: number;
  /** Query tokens (ELLA: 64). */
  latents: number;
}

/**
 * An ELLA-shaped timestep-aware semantic connector: `timestep` (float32 [n], 1 broadcasts) and
 * `text_encoder_hidden_states` [B,L,t5Dim] → `encoder_hidden_states` [B,latents,outputDim]. Learned query tokens
 * are modulated by the timestep's embedding (adaptive scale and shift, as ELLA's AdaLN) and attend over the T5
 * states; the result is layer-normed, the scale CLIP's states have.
 */
export function buildElla(spec: EllaSpec): OnnxGraphBuilder {
  const b = new OnnxGraphBuilder('ella', Prng.derive(spec.seed, 'ella'));
  const d = spec.outputDim;
  const timestep = b.input('timestep', 'float32', ['timestep_batch']);
  const t5 = b.input('text_encoder_hidden_states', 'float32', ['batch_size', 'sequence_length', spec.t5Dim]);
  const temb = b.scope('time_embedding', () => {
    const column = b.op('Reshape', [timestep, b.constInt64([-1, 1])]);
    const h = silu(b, linear(b, sinusoidalEmbedding(b, column, 16), 'connector.time_embedding.linear_1', 16, d));
    return b.op('Unsqueeze', [linear(b, h, 'connector.time_embedding.linear_2', d, 2 * d), b.constInt64([1])]); // [T,1,2D]
  });
  const half = (from: number) => b.op('Slice', [temb, b.constInt64([from]), b.constInt64([from + d]), b.constInt64([2])]);
  const latents = b.randomWeight('connector.latents', [spec.latents, d], 1);
  const queries = b.op('Add', [b.op('Mul', [latents, b.op('Add', [half(0), scalar(b, 1)])]), half(d)]); // [T,N,D]
  const q = linear(b, queries, 'connector.attn.to_q', d, d, { bias: false });
  const k = linear(b, t5, 'connector.attn.to_k', spec.t5Dim, d, { bias: false });
  const v = linear(b, t5, 'connector.attn.to_v', spec.t5Dim, d, { bias: false });
  const scores = b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [k], { perm: [0, 2, 1] })]), scalar(b, 1 / Math.sqrt(d))]);
  const attended = b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), v]);
  const out = b.op('Add', [queries, linear(b, attended, 'connector.attn.to_out', d, d)]);
  b.output('encoder_hidden_states', layerNorm(b, out, 'connector.norm_out', d), 'float32', ['batch_size', spec.latents, d]);
  return b;
}
