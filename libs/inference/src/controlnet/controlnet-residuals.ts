import type { OnnxComponent, ValueInfo } from '../engine/onnx-component';

/**
 * Residual names: diffusers/optimum-style `down_block_res_samples.<i>` / `mid_block_res_sample` on the ControlNet and
 * `down_block_additional_residuals.<i>` / `mid_block_additional_residual` on the UNet; some exports name them
 * `down_block_<i>` instead. Anything starting with `down_block` or `mid_block` counts, ordered by its trailing number.
 */
const DOWN = /^down_block/;
const MID = /^mid_block/;

export function isResidualName(name: string): boolean {
  return DOWN.test(name) || MID.test(name);
}

function trailingNumber(name: string): number {
  const m = /(\d+)\D*$/.exec(name);
  return m ? Number(m[1]) : 0;
}

/** Residual names in UNet order: the down blocks by index, then the mid block. */
export function orderResidualNames(names: Iterable<string>): string[] {
  const all = [...names];
  const down = all.filter((n) => DOWN.test(n)).sort((a, b) => trailingNumber(a) - trailingNumber(b));
  const mid = all.filter((n) => MID.test(n));
  return [...down, ...mid];
}

/** A ControlNet output and the UNet input it adds to. */
export interface ResidualLink {
  output: string;
  input: string;
}

const channels = (v: ValueInfo | undefined) => (typeof v?.shape[1] === 'number' && v.shape[1] > 0 ? v.shape[1] : undefined);

/**
 * Pairs a ControlNet's residual outputs with a UNet's residual inputs, in order. Throws (with what each side has)
 * when the UNet takes none, the counts differ, or fixed channel counts disagree.
 */
export function linkResiduals(controlNet: OnnxComponent, unet: OnnxComponent): ResidualLink[] {
  const inputs = orderResidualNames(unet.inputs.keys());
  const outputs = orderResidualNames(controlNet.outputs.keys());
  if (!inputs.length) throw new Error('the UNet has no ControlNet residual inputs (down_block_additional_residuals.*, mid_block_additional_residual): export it with ControlNet inputs');
  if (!outputs.length) throw new Error(`the ControlNet has no residual outputs (it has: ${[...controlNet.outputs.keys()].join(', ')})`);
  if (inputs.length !== outputs.length || DOWN.test(inputs[inputs.length - 1]) !== DOWN.test(outputs[outputs.length - 1])) {
    throw new Error(`the ControlNet gives ${outputs.length} residuals (${outputs.join(', ')}) but the UNet takes ${inputs.length} (${inputs.join(', ')}): they are for different model families`);
  }
  return outputs.map((output, k) => {
    const input = inputs[k];
    const a = channels(controlNet.outputs.get(output));
    const b = channels(unet.inputs.get(input));
    if (a !== undefined && b !== undefined && a !== b) {
      throw new Error(`ControlNet output ${output} has ${a} channels but UNet input ${input} takes ${b}: they are for different model families`);
    }
    return { output, input };
  });
}
