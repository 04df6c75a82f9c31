import { CLIP_MAX_POSITIONS, CLIP_VOCAB_SIZE } from './text-encoder.graph';
import { LATENT_CHANNELS, SDXL_TIME_IDS, timeEmbedDim } from './unet.graph';

/**
 * The JSON files of an exported pipeline folder, with the keys diffusers/optimum write. Values describe the tiny
 * graphs truthfully (their widths, layer counts, sample size of the family) so code that reads configs sees
 * consistent numbers.
 */

export type TinyFamily = 'sd15' | 'sd2' | 'sdxl';

const DIFFUSERS_VERSION = '0.31.0';

interface FamilyTraits {
  pipelineClass: string;
  /** Latent size the family was trained at (pixels / 8). */
  sampleSize: number;
  scalingFactor: number;
  hiddenAct: string;
  scheduler: Record<string, unknown>;
}

const COMMON_SCHEDULER = {
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
};

export const FAMILY_TRAITS: Record<TinyFamily, FamilyTraits> = {
  sd15: {
    pipelineClass: 'StableDiffusionPipeline',
    sampleSize: 64,
    scalingFactor: 0.18215,
    hiddenAct: 'quick_gelu',
    scheduler: { _class_name: 'PNDMScheduler', ...COMMON_SCHEDULER, prediction_type: 'epsilon', timestep_spacing: 'leading' },
  },
  sd2: {
    pipelineClass: 'StableDiffusionPipeline',
    sampleSize: 96,
    scalingFactor: 0.18215,
    hiddenAct: 'gelu',
    scheduler: { _class_name: 'DDIMScheduler', ...COMMON_SCHEDULER, prediction_type: 'v_prediction', timestep_spacing: 'leading' },
  },
  sdxl: {
    pipelineClass: 'StableDiffusionXLPipeline',
    sampleSize: 128,
    scalingFactor: 0.13025,
    hiddenAct: 'quick_gelu',
    scheduler: {
      _class_name: 'EulerDiscreteScheduler',
      ...COMMON_SCHEDULER,
      interpolation_type: 'linear',
      prediction_type: 'epsilon',
      sample_max_value: 1.0,
      timestep_spacing: 'leading',
      use_karras_sigmas: false,
    },
  },
};

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function modelIndex(family: TinyFamily, withControlNet: boolean): Record<string, unknown> {
  const t = FAMILY_TRAITS[family];
  const base: Record<string, unknown> = {
    _class_name: withControlNet ? t.pipelineClass.replace('Pipeline', 'ControlNetPipeline') : t.pipelineClass,
    _diffusers_version: DIFFUSERS_VERSION,
    feature_extractor: [null, null],
    image_encoder: [null, null],
    scheduler: ['diffusers', String(t.scheduler._class_name)],
    text_encoder: ['transformers', 'CLIPTextModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ['diffusers', 'UNet2DConditionModel'],
    vae: ['diffusers', 'AutoencoderKL'],
  };
  if (family === 'sdxl') {
    base.force_zeros_for_empty_prompt = true;
    base.text_encoder_2 = ['transformers', 'CLIPTextModelWithProjection'];
    base.tokenizer_2 = ['transformers', 'CLIPTokenizer'];
  } else {
    base.requires_safety_checker = false;
    base.safety_checker = [null, null];
  }
  if (withControlNet) base.controlnet = ['diffusers', 'ControlNetModel'];
  return sortKeys(base);
}

export function schedulerConfig(family: TinyFamily): Record<string, unknown> {
  const { _class_name, ...rest } = FAMILY_TRAITS[family].scheduler;
  return { _class_name, _diffusers_version: DIFFUSERS_VERSION, ...sortKeys(rest) };
}

export interface TextEncoderConfigSpec {
  family: TinyFamily;
  hiddenSize: number;
  layers: number;
  projectionDim: number;
  withProjection: boolean;
  hiddenStates: boolean;
  floatType: 'float32' | 'float16';
}

export function textEncoderConfig(s: TextEncoderConfigSpec): Record<string, unknown> {
  return {
    architectures: [s.withProjection ? 'CLIPTextModelWithProjection' : 'CLIPTextModel'],
    attention_dropout: 0.0,
    bos_token_id: 0,
    dropout: 0.0,
    eos_token_id: 2,
    export_model_type: s.withProjection ? 'clip-text-with-projection' : 'clip-text',
    hidden_act: FAMILY_TRAITS[s.family].hiddenAct,
    hidden_size: s.hiddenSize,
    initializer_factor: 1.0,
    initializer_range: 0.02,
    intermediate_size: 2 * s.hiddenSize,
    layer_norm_eps: 1e-5,
    max_position_embeddings: CLIP_MAX_POSITIONS,
    model_type: 'clip_text_model',
    num_attention_heads: 1,
    num_hidden_layers: s.layers,
    output_hidden_states: s.hiddenStates,
    pad_token_id: 1,
    projection_dim: s.projectionDim,
    torch_dtype: s.floatType === 'float16' ? 'float16' : 'float32',
    vocab_size: CLIP_VOCAB_SIZE,
  };
}

export interface UnetConfigSpec {
  family: TinyFamily;
  channels: number;
  crossAttentionDim: number;
  sdxl?: { textEmbedsDim: number; timeIdDim: number };
}

export function unetConfig(s: UnetConfigSpec): Record<string, unknown> {
  const c = s.channels;
  const config: Record<string, unknown> = {
    _class_name: 'UNet2DConditionModel',
    _diffusers_version: DIFFUSERS_VERSION,
    act_fn: 'silu',
    addition_embed_type: s.sdxl ? 'text_time' : null,
    addition_time_embed_dim: s.sdxl ? s.sdxl.timeIdDim : null,
    attention_head_dim: [c, 2 * c],
    block_out_channels: [c, 2 * c],
    center_input_sample: false,
    cross_attention_dim: s.crossAttentionDim,
    down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D'],
    export_model_type: 'unet-2d-condition',
    flip_sin_to_cos: true,
    freq_shift: 0,
    in_channels: LATENT_CHANNELS,
    layers_per_block: 1,
    mid_block_type: 'UNetMidBlock2DCrossAttn',
    out_channels: LATENT_CHANNELS,
    projection_class_embeddings_input_dim: s.sdxl ? s.sdxl.textEmbedsDim + SDXL_TIME_IDS * s.sdxl.timeIdDim : null,
    requires_aesthetics_score: false,
    sample_size: FAMILY_TRAITS[s.family].sampleSize,
    text_encoder_projection_dim: s.sdxl ? s.sdxl.textEmbedsDim : null,
    time_cond_proj_dim: null,
    time_embedding_dim: timeEmbedDim(c),
    up_block_types: ['CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
    upcast_attention: s.family === 'sd2',
    use_linear_projection: s.family !== 'sd15',
  };
  return config;
}

export function vaeConfig(family: TinyFamily, channels: number): Record<string, unknown> {
  return {
    _class_name: 'AutoencoderKL',
    _diffusers_version: DIFFUSERS_VERSION,
    act_fn: 'silu',
    // Four blocks: the 8× down/upsampling factor code derives from len(block_out_channels).
    block_out_channels: [channels, channels, channels, channels],
    down_block_types: Array(4).fill('DownEncoderBlock2D'),
    in_channels: 3,
    latent_channels: LATENT_CHANNELS,
    layers_per_block: 1,
    norm_num_groups: 1,
    out_channels: 3,
    sample_size: FAMILY_TRAITS[family].sampleSize * 8,
    scaling_factor: FAMILY_TRAITS[family].scalingFactor,
    up_block_types: Array(4).fill('UpDecoderBlock2D'),
  };
}

export function controlNetConfig(s: UnetConfigSpec): Record<string, unknown> {
  const c = s.channels;
  return {
    _class_name: 'ControlNetModel',
    _diffusers_version: DIFFUSERS_VERSION,
    block_out_channels: [c, 2 * c],
    conditioning_channels: 3,
    conditioning_embedding_out_channels: [c],
    controlnet_conditioning_channel_order: 'rgb',
    cross_attention_dim: s.crossAttentionDim,
    down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D'],
    in_channels: LATENT_CHANNELS,
    layers_per_block: 1,
    time_embedding_dim: timeEmbedDim(c),
  };
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
