import * as ort from 'onnxruntime-node';
import { fromFloat16 } from '../engine/float16';
import { floatData, floatTensor, idsTensor, OnnxComponent, timestepTensor, type Feeds, type ValueInfo } from '../engine/onnx-component';
import type { PromptConditioning } from '../engine/text-conditioning';
import { promptListFragments, type WeightedPrompt } from '../text';
import { T5Tokenizer } from './t5-tokenizer';

/** The loaded ELLA sessions of a run. */
export interface LoadedElla {
  adapter: OnnxComponent;
  t5: OnnxComponent;
  tokenizer: T5Tokenizer;
  maxLength: number;
}

const tokenizers = new Map<string, T5Tokenizer>();

/** The T5 tokenizer of a file, read once per process. */
export function t5TokenizerFor(file: string): T5Tokenizer {
  let t = tokenizers.get(file);
  if (!t) tokenizers.set(file, (t = T5Tokenizer.fromFile(file)));
  return t;
}

/** The plain text T5 reads: A1111 attention markup resolved to its words, BREAK as a space, list items joined. */
export function plainPromptText(prompts: readonly WeightedPrompt[]): string {
  return promptListFragments(prompts)
    .map((f) => (f.kind === 'text' ? f.text : ' '))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The adapter's inputs: the timestep (`timestep`/`timesteps`) and the T5 states (the other one). */
export function adapterInputs(adapter: OnnxComponent): { time: ValueInfo; text: ValueInfo; output: string } {
  const time = adapter.inputs.get('timestep') ?? adapter.inputs.get('timesteps');
  const text = [...adapter.inputs.values()].find((v) => v !== time);
  if (!time || !text || adapter.inputs.size !== 2) {
    throw new Error(`the ELLA connector must take a timestep ("timestep" or "timesteps") and the T5 states; it takes ${[...adapter.inputs.keys()].join(', ')}`);
  }
  return { time, text, output: adapter.outputs.has('encoder_hidden_states') ? 'encoder_hidden_states' : [...adapter.outputs.keys()][0] };
}

/**
 * The T5 states of the prompt and the negative prompt (ELLA conditions both through the connector), as the
 * PromptConditioning the guided UNet batches: `tokens` × `dim` are the T5 sequence and width. The ELLA view of the
 * UNet turns them into cross-attention states at every step.
 */
export async function encodeEllaPromptPair(
  ella: LoadedElla,
  prompts: readonly WeightedPrompt[],
  negativePrompts: readonly WeightedPrompt[],
): Promise<{ cond: PromptConditioning; uncond: PromptConditioning }> {
  const idsInfo = ella.t5.input('input_ids');
  const fixed = idsInfo.shape[1];
  const length = typeof fixed === 'number' && fixed > 0 ? fixed : ella.maxLength;
  const rows = [plainPromptText(prompts), plainPromptText(negativePrompts)].map((text) => ella.tokenizer.encodePadded(text, length));
  const feeds: Feeds = { input_ids: idsTensor(idsInfo, rows.flatMap((r) => r.ids), [2, length]) };
  if (ella.t5.hasInput('attention_mask')) feeds.attention_mask = idsTensor(ella.t5.input('attention_mask'), rows.flatMap((r) => r.mask), [2, length]);
  const outputName = ella.t5.outputs.has('last_hidden_state') ? 'last_hidden_state' : [...ella.t5.outputs.keys()][0];
  const states = floatData((await ella.t5.run(feeds, [outputName]))[outputName]);
  const dim = states.length / (2 * length);
  const half = length * dim;
  return {
    cond: { hidden: states.slice(0, half), tokens: length, dim },
    uncond: { hidden: states.slice(half), tokens: length, dim },
  };
}

/** The numeric value of a timestep feed (any of the types the UNet exports take). */
function timestepValue(t: ort.Tensor): number {
  const data = t.data;
  if (t.type === 'float16') return fromFloat16(data as Uint16Array)[0];
  const first = (data as ArrayLike<number | bigint>)[0];
  return typeof first === 'bigint' ? Number(first) : first;
}

/** The connector's timestep input for a batch: one value per row when its axis is dynamic, else as the UNet's. */
function adapterTimestep(info: ValueInfo, t: number, batch: number): ort.Tensor {
  const dynamicRows = info.shape.length === 1 && typeof info.shape[0] !== 'number';
  if (!dynamicRows) return timestepTensor(info, t);
  return timestepTensor({ ...info, shape: [batch] }, t);
}

/**
 * The UNet seen through ELLA: its `encoder_hidden_states` input takes T5 states (one row per batch item, in the
 * connector's type) and every call first runs the connector on them with the call's timestep, then feeds its output
 * to the UNet as the cross-attention states. So the conditioning changes with the timestep, step by step, as in
 * ELLA; guidance, batching and samplers need not know. Releasing the view releases nothing.
 */
export function ellaUNetView(unet: OnnxComponent, adapter: OnnxComponent): OnnxComponent {
  const { time, text, output } = adapterInputs(adapter);
  const context = unet.input('encoder_hidden_states');
  const view = {
    inputNames: [...unet.inputs.keys()],
    outputNames: [...unet.outputs.keys()],
    inputMetadata: [...unet.inputs.values()].map((v) =>
      v.name === 'encoder_hidden_states'
        ? { name: v.name, isTensor: true, type: text.type === 'unknown' ? 'float32' : text.type, shape: text.shape }
        : { name: v.name, isTensor: true, type: v.type, shape: v.shape },
    ),
    outputMetadata: [...unet.outputs.values()].map((v) => ({ name: v.name, isTensor: true, type: v.type, shape: v.shape })),
    run: async (feeds: Feeds, fetch?: readonly string[]) => {
      const states = feeds.encoder_hidden_states;
      const batch = states.dims[0];
      const out = await adapter.run({ [text.name]: states, [time.name]: adapterTimestep(time, timestepValue(feeds.timestep), batch) }, [output]);
      const conditioning = out[output];
      return unet.run({ ...feeds, encoder_hidden_states: floatTensor(context, floatData(conditioning), conditioning.dims) }, fetch);
    },
    release: async () => undefined,
  };
  return new OnnxComponent(unet.label, view as unknown as ort.InferenceSession);
}
