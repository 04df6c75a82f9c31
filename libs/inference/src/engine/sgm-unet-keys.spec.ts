import { diffusersUnetKey } from './sgm-unet-keys';

/** Pairs of module names of the same weight in the original UNet and in diffusers' (as diffusers' converters pair them). */
const SAME_WEIGHT: Array<[string, string]> = [
  // SDXL (kohya's SDXL trainer saves these): attention levels 1–2 down, 0–1 up; no attention at 320.
  ['input_blocks.4.1.transformer_blocks.0.attn1.to_k', 'down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k'],
  ['input_blocks.5.1.proj_in', 'down_blocks.1.attentions.1.proj_in'],
  ['input_blocks.8.1.transformer_blocks.9.ff.net.0.proj', 'down_blocks.2.attentions.1.transformer_blocks.9.ff.net.0.proj'],
  ['middle_block.1.transformer_blocks.3.attn2.to_v', 'mid_block.attentions.0.transformer_blocks.3.attn2.to_v'],
  ['output_blocks.0.1.transformer_blocks.0.attn1.to_out.0', 'up_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0'],
  ['output_blocks.5.1.transformer_blocks.1.ff.net.2', 'up_blocks.1.attentions.2.transformer_blocks.1.ff.net.2'],
  ['output_blocks.2.2.conv', 'up_blocks.0.upsamplers.0.conv'],
  ['output_blocks.5.2.conv', 'up_blocks.1.upsamplers.0.conv'],
  ['label_emb.0.0', 'add_embedding.linear_1'],
  ['label_emb.0.2', 'add_embedding.linear_2'],
  // SD1.x: attention levels 0–2 down, 1–3 up; the deepest up level has no attention, so its upsampler is .1.
  ['input_blocks.1.1.proj_out', 'down_blocks.0.attentions.0.proj_out'],
  ['input_blocks.3.0.op', 'down_blocks.0.downsamplers.0.conv'],
  ['input_blocks.9.0.op', 'down_blocks.2.downsamplers.0.conv'],
  ['input_blocks.11.0.out_layers.3', 'down_blocks.3.resnets.1.conv2'],
  ['output_blocks.2.1.conv', 'up_blocks.0.upsamplers.0.conv'],
  ['output_blocks.11.1.transformer_blocks.0.attn2.to_q', 'up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_q'],
  // Resnet insides (LoCon / LyCORIS modules), the middle block, and the parts outside the blocks.
  ['input_blocks.1.0.in_layers.2', 'down_blocks.0.resnets.0.conv1'],
  ['input_blocks.2.0.emb_layers.1', 'down_blocks.0.resnets.1.time_emb_proj'],
  ['input_blocks.4.0.skip_connection', 'down_blocks.1.resnets.0.conv_shortcut'],
  ['output_blocks.3.0.skip_connection', 'up_blocks.1.resnets.0.conv_shortcut'],
  ['middle_block.0.in_layers.2', 'mid_block.resnets.0.conv1'],
  ['middle_block.2.out_layers.3', 'mid_block.resnets.1.conv2'],
  ['input_blocks.0.0', 'conv_in'],
  ['time_embed.0', 'time_embedding.linear_1'],
  ['time_embed.2', 'time_embedding.linear_2'],
  ['out.2', 'conv_out'],
];

const kohya = (name: string) => `lora_unet_${name.replace(/\./g, '_')}`;

describe('diffusersUnetKey (original UNet names → diffusers names, kohya keys)', () => {
  it.each(SAME_WEIGHT)('%s → %s', (original, diffusers) => {
    expect(diffusersUnetKey(kohya(original))).toBe(kohya(diffusers));
  });

  it('leaves diffusers-named and text-encoder keys as they are', () => {
    for (const key of [
      'lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_k',
      'lora_unet_mid_block_resnets_0_conv1',
      'lora_te1_text_model_encoder_layers_0_self_attn_k_proj',
      'lora_te_text_model_encoder_layers_11_mlp_fc2',
    ]) {
      expect(diffusersUnetKey(key)).toBe(key);
    }
  });

  it('leaves names it cannot place as they are (the merge then reports them as matching nothing)', () => {
    for (const key of ['lora_unet_input_blocks_3_1_proj_in', 'lora_unet_input_blocks_1_0_unknown_layer', 'lora_unet_middle_block_3_proj_in', 'lora_unet_output_blocks_0_3_conv', 'lora_unet_output_blocks_0_1_conv']) {
      expect(diffusersUnetKey(key)).toBe(key);
    }
  });
});
