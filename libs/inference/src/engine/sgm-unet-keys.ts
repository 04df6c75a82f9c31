/**
 * LoRA module keys in the original (SGM / CompVis) UNet's names → the diffusers names the ONNX exports keep.
 * kohya's SDXL trainer, and several other tools for SD1.x too, save UNet modules under the original model's
 * `input_blocks` / `middle_block` / `output_blocks`; the exports are diffusers-named. Both UNets have 2 layers per
 * down level and 3 per up level, so the original block index is `3 × level + layer` (+1 going down, after conv_in):
 *   input_blocks.k   (k ≥ 1) → down_blocks.⌊(k−1)/3⌋: .0 resnets / .1 attentions of layer (k−1) mod 3, or the
 *                               level's downsampler when (k−1) mod 3 = 2 (`op` → downsamplers.0.conv)
 *   middle_block.0/.1/.2     → mid_block.resnets.0 / attentions.0 / resnets.1
 *   output_blocks.n          → up_blocks.⌊n/3⌋: .0 resnets / .1 attentions of layer n mod 3; the upsampler is the
 *                               last sub-block (`.1.conv` on levels without attention, `.2.conv` with)
 * and inside a resnet in_layers.0/.2 → norm1/conv1, emb_layers.1 → time_emb_proj, out_layers.0/.3 → norm2/conv2,
 * skip_connection → conv_shortcut. Transformer blocks keep their names. Keys use `_` for `.` (kohya).
 */

const RESNET_PARTS: Record<string, string> = {
  in_layers_0: 'norm1',
  in_layers_2: 'conv1',
  emb_layers_1: 'time_emb_proj',
  out_layers_0: 'norm2',
  out_layers_3: 'conv2',
  skip_connection: 'conv_shortcut',
};

const TOP_LEVEL: Record<string, string> = {
  input_blocks_0_0: 'conv_in',
  time_embed_0: 'time_embedding_linear_1',
  time_embed_2: 'time_embedding_linear_2',
  label_emb_0_0: 'add_embedding_linear_1',
  label_emb_0_2: 'add_embedding_linear_2',
  out_0: 'conv_norm_out',
  out_2: 'conv_out',
};

const UNET_PREFIX = 'lora_unet_';

/** The diffusers-named key of a `lora_unet_` key in original names; other keys come back as they are. */
export function diffusersUnetKey(key: string): string {
  if (!key.startsWith(UNET_PREFIX)) return key;
  const name = key.slice(UNET_PREFIX.length);
  const mapped = mapName(name);
  return mapped === undefined ? key : UNET_PREFIX + mapped;
}

function mapName(name: string): string | undefined {
  if (name in TOP_LEVEL) return TOP_LEVEL[name];
  let m = /^input_blocks_(\d+)_(\d+)_(.+)$/.exec(name);
  if (m) {
    const k = Number(m[1]) - 1;
    const [level, layer, sub, rest] = [Math.floor(k / 3), k % 3, Number(m[2]), m[3]];
    if (k < 0) return undefined;
    if (layer === 2) return sub === 0 && rest === 'op' ? `down_blocks_${level}_downsamplers_0_conv` : undefined;
    return part(`down_blocks_${level}`, sub === 0 ? 'resnets' : 'attentions', layer, rest);
  }
  m = /^middle_block_(\d+)_(.+)$/.exec(name);
  if (m) {
    const sub = Number(m[1]);
    if (sub === 1) return part('mid_block', 'attentions', 0, m[2]);
    return sub === 0 || sub === 2 ? part('mid_block', 'resnets', sub / 2, m[2]) : undefined;
  }
  m = /^output_blocks_(\d+)_(\d+)_(.+)$/.exec(name);
  if (m) {
    const n = Number(m[1]);
    const [level, layer, sub, rest] = [Math.floor(n / 3), n % 3, Number(m[2]), m[3]];
    if (rest === 'conv' && layer === 2 && (sub === 1 || sub === 2)) return `up_blocks_${level}_upsamplers_0_conv`;
    if (sub > 1) return undefined;
    return part(`up_blocks_${level}`, sub === 0 ? 'resnets' : 'attentions', layer, rest);
  }
  return undefined;
}

/** The inner names of a transformer (Transformer2DModel), the same in both namings. */
const ATTENTION_PART = /^(transformer_blocks_\d+_.+|proj_in|proj_out|norm)$/;

/** A resnet's inner name mapped; an attention's kept. */
function part(block: string, kind: 'resnets' | 'attentions', layer: number, rest: string): string | undefined {
  if (kind === 'attentions') return ATTENTION_PART.test(rest) ? `${block}_attentions_${layer}_${rest}` : undefined;
  const inner = RESNET_PARTS[rest];
  return inner === undefined ? undefined : `${block}_resnets_${layer}_${inner}`;
}
