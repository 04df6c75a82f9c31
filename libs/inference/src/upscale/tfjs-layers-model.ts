import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

/** One layer of a TF.js layers model (Keras functional config). */
export interface TfjsLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** Names of the layers feeding it, in order. */
  inbound: string[];
}

export interface TfjsWeight {
  shape: number[];
  data: Float32Array;
}

/** A TF.js layers model as read from `model.json` and its weight shards. */
export interface TfjsLayersModel {
  layers: TfjsLayer[];
  inputs: string[];
  outputs: string[];
  /** By weight name, e.g. `F_0/kernel`. */
  weights: Map<string, TfjsWeight>;
  /** SHA-256 of model.json and the shards: names a converted copy. */
  fingerprint: string;
}

interface ModelJson {
  format?: string;
  modelTopology?: { model_config?: { class_name?: string; config?: KerasModelConfig } };
  weightsManifest?: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[];
}

interface KerasModelConfig {
  layers: { class_name: string; name: string; config: Record<string, unknown>; inbound_nodes?: unknown[] }[];
  input_layers: [string, number, number][];
  output_layers: [string, number, number][];
}

/** Names of the layers a Keras 2 `inbound_nodes` entry refers to ([[[name, node, tensor, kwargs], …]]). */
function inboundNames(nodes: unknown[] | undefined, layer: string): string[] {
  if (!nodes?.length) return [];
  if (nodes.length > 1) throw new Error(`layer ${layer} is shared (called ${nodes.length} times); not supported`);
  const node = nodes[0];
  if (!Array.isArray(node)) throw new Error(`layer ${layer}: unsupported inbound_nodes format`);
  return node.map((ref) => {
    if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw new Error(`layer ${layer}: unsupported inbound_nodes format`);
    return ref[0];
  });
}

/**
 * Reads a TF.js "layers-model" (Keras functional model converted by the TF.js converter): the layer graph from
 * model.json and the float32 weights from its shards (each manifest group's shards concatenated, weights in order).
 * Quantized weights are refused.
 */
export async function readTfjsLayersModel(modelJson: string): Promise<TfjsLayersModel> {
  const jsonBytes = await readFile(modelJson);
  const json = JSON.parse(jsonBytes.toString('utf8')) as ModelJson;
  const config = json.modelTopology?.model_config?.config;
  if (json.format !== 'layers-model' || !config?.layers) throw new Error(`${modelJson} is not a TF.js layers model`);
  const hash = createHash('sha256').update(jsonBytes);
  const weights = new Map<string, TfjsWeight>();
  for (const group of json.weightsManifest ?? []) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(path.dirname(modelJson), p))));
    const bytes = Buffer.concat(shards);
    hash.update(bytes);
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32' || w.quantization) throw new Error(`weight ${w.name}: only unquantized float32 weights are supported (got ${w.dtype})`);
      const count = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(count);
      // Copy: shard offsets need not be 4-byte aligned within the Buffer's pool.
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + count * 4));
      offset += count * 4;
      weights.set(w.name, { shape: w.shape, data });
    }
    if (offset !== bytes.length) throw new Error(`${modelJson}: shards hold ${bytes.length} bytes, the manifest ${offset}`);
  }
  return {
    layers: config.layers.map((l) => ({ className: l.class_name, name: l.name, config: l.config, inbound: inboundNames(l.inbound_nodes, l.name) })),
    inputs: config.input_layers.map((l) => l[0]),
    outputs: config.output_layers.map((l) => l[0]),
    weights,
    fingerprint: hash.digest('hex'),
  };
}
