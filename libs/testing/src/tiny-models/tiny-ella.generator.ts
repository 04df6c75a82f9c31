import { buildElla, buildT5Encoder } from './ella.graph';
import { TensorSpec } from './onnx-graph.builder';
import { json, TinyFamily } from './pipeline-configs';
import { resolveTinyOptions, TinyModelOptions, writeAll } from './tiny-pipeline.generator';
import { t5TokenizerFiles, t5Vocabulary } from './t5-tokenizer.files';

export interface TinyEllaOptions {
  family?: Exclude<TinyFamily, 'sdxl'>;
  /** Options the model folder was generated with (ELLA's output must be as wide as the UNet's cross-attention). */
  base?: TinyModelOptions;
  seed?: number;
  /** Width of the T5 states (default 24; flan-t5-xl: 2048). */
  t5Dim?: number;
  /** ELLA's query tokens (default 8; the real connector: 64). */
  latents?: number;
  /** Tokens the T5 prompt is padded/truncated to (default 32; ELLA: 128). */
  maxLength?: number;
}

export interface TinyEllaDescription {
  dir: string;
  files: string[];
  ellaInputs: TensorSpec[];
  t5Inputs: TensorSpec[];
  vocabSize: number;
}

/**
 * Adds ELLA to a model folder (generate the model first): `ella/model.onnx` (+ config.json with `max_length`), the
 * T5 encoder `text_encoder_t5/model.onnx` (+ config.json) and its tokenizer `tokenizer_t5/` (tokenizer.json).
 */
export async function generateTinyElla(modelDir: string, opts: TinyEllaOptions = {}): Promise<TinyEllaDescription> {
  const o = resolveTinyOptions(opts.base);
  const seed = opts.seed ?? 1;
  const t5Dim = opts.t5Dim ?? 24;
  const latents = opts.latents ?? 8;
  const maxLength = opts.maxLength ?? 32;
  const vocabSize = t5Vocabulary().length;
  const t5 = buildT5Encoder({ seed, vocabSize, hiddenSize: t5Dim });
  const ella = buildElla({ seed, t5Dim, outputDim: o.hiddenSize, latents });
  const files = new Map<string, string | Uint8Array>([
    ['ella/model.onnx', ella.toBytes()],
    ['ella/config.json', json({ _class_name: 'ELLA', max_length: maxLength, num_latents: latents, output_dim: o.hiddenSize, time_channel: 16, width: t5Dim })],
    ['text_encoder_t5/model.onnx', t5.toBytes()],
    ['text_encoder_t5/config.json', json({ architectures: ['T5EncoderModel'], d_model: t5Dim, model_type: 't5', vocab_size: vocabSize })],
  ]);
  for (const [name, text] of Object.entries(t5TokenizerFiles(maxLength))) files.set(`tokenizer_t5/${name}`, text);
  await writeAll(modelDir, files);
  return { dir: modelDir, files: [...files.keys()].sort(), ellaInputs: [...ella.inputSpecs], t5Inputs: [...t5.inputSpecs], vocabSize };
}
