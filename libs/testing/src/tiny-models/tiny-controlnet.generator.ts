import { buildControlNet } from './controlnet.graph';
import { TensorSpec } from './onnx-graph.builder';
import { controlNetConfig, json, TinyFamily } from './pipeline-configs';
import { resolveTinyOptions, tinyUnetSpec, TinyModelOptions, writeAll } from './tiny-pipeline.generator';

export interface TinyControlNetOptions extends TinyModelOptions {
  family?: TinyFamily;
}

export interface TinyControlNetDescription {
  dir: string;
  family: TinyFamily;
  files: string[];
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  weights: string[];
}

/**
 * Writes `<dir>/model.onnx` and `<dir>/config.json`: a ControlNet whose outputs fit the UNet of a tiny model
 * generated with the same options and `controlNet: true` (the UNet then has the residual inputs). `seed` changes
 * the ControlNet's weights only, so several different ControlNets can serve one base model.
 */
export async function generateTinyControlNet(dir: string, opts: TinyControlNetOptions = {}): Promise<TinyControlNetDescription> {
  const { family = 'sd15', ...rest } = opts;
  const o = resolveTinyOptions(rest);
  const spec = tinyUnetSpec(family, o);
  const graph = buildControlNet(spec);
  const config = controlNetConfig({ family, channels: spec.channels, crossAttentionDim: spec.crossAttentionDim, sdxl: spec.sdxl });
  const files = new Map<string, string | Uint8Array>([
    ['model.onnx', graph.toBytes()],
    ['config.json', json(config)],
  ]);
  await writeAll(dir, files);
  return {
    dir,
    family,
    files: [...files.keys()].sort(),
    inputs: [...graph.inputSpecs],
    outputs: [...graph.outputSpecs],
    weights: [...graph.weights.keys()],
  };
}
