import type { DiffusionParams, InputInitialize } from '@darkroom/contracts';
import { resolveSampler, SamplerConfigError, type ResolvedSampler } from '../samplers';
import { FatalRunError, type RunInput, type RunnerModel } from '../runner/job-runner';
import { resolveSeeds } from '../runner/seeds';
import { assertRunnable, readModelFolder, type ModelFolder, type TextEncoderFiles } from './model-folder';
import { loadLora, type LoadedLora } from './lora-merge';
import { loadEmbedding, type LoadedEmbedding } from './textual-inversion';
import { decodeRgb, resizeRgb, type RgbImage } from './vae';
import { planControlNets, type ControlNetUnitPlan } from '../controlnet/controlnet-plan';
import { PIX2PIX_NEEDS_IMAGE, PIX2PIX_UNET_CHANNELS } from '../pix2pix/pix2pix-plan';
import { planModelFeatures, type ModelFeatures } from './model-features';

/** Stage types this engine runs. */
export const SUPPORTED_STAGES = ['INPUT_INITIALIZE', 'DIFFUSION'] as const;

const CHECKPOINT_KINDS = ['CHECKPOINT', 'DEFAULT'];
const VAE_KINDS = ['VAE'];
const LORA_KINDS = ['LORA', 'LOCON', 'LYCORIS'];
const EMBEDDING_KINDS = ['TEXTUAL_INVERSION'];
/** `sdVae` values meaning "the checkpoint's own VAE". */
const BUILTIN_VAE = new Set(['', 'none', 'automatic', 'auto']);
/** Input channels of an inpainting UNet: latent (4) + mask (1) + masked-image latent (4). */
export const INPAINTING_UNET_CHANNELS = 9;
/** A1111's img2img default when a start image comes without a strength. */
export const DEFAULT_DENOISING_STRENGTH = 0.75;

export interface EncoderChoice {
  /** 'default' for the model's own encoders, else the alternative's name. */
  name: string;
  encoders: TextEncoderFiles[];
}

/** The model side of a diffusion pass, checked: what a set of diffusion parameters loads and how it samples. */
export interface ModelPlan {
  diffusion: DiffusionParams;
  checkpoint: RunnerModel;
  model: ModelFolder;
  encoder: EncoderChoice;
  vae?: { model: RunnerModel; folder: ModelFolder };
  sampler: ResolvedSampler;
  /** LoRAs to merge, read and checked (block weights against the family). */
  loras: LoadedLora[];
  /** Textual-inversion embeddings, read; prompts name them by their catalogue name. */
  embeddings: LoadedEmbedding[];
  /** A 9-channel inpainting UNet (latent + mask + masked-image latent): needs the VAE encoder for its conditioning. */
  inpaintingUnet: boolean;
  /** Components the request flags use (`enablePix2pix`, `layerDiffusion`, `enableElla`), checked. */
  features: ModelFeatures;
  /** Accepted-but-ignored parameters, for logs. */
  notices: string[];
}

/** img2img start: images (encoded here) or latents (already encoded and scaled), with the strength. */
export interface GenerationInit {
  /** One start image for all images, at the pass's size. */
  image?: RgbImage;
  /** One start image per image, at the pass's size. */
  images?: readonly RgbImage[];
  /** Start latents: one image's (shared) or one per image, one after the other; wins over images. */
  latents?: Float32Array;
  /** In [0, 1); 0 skips sampling (the start through the VAE). */
  strength: number;
  /** Take exactly this many steps on a stretched schedule (A1111's hires-fix second pass). */
  steps?: number;
  /** A1111's img2img "noise multiplier": the seed's start noise is scaled by it (absent or 1: as drawn). */
  noiseMultiplier?: number;
}

/** Inpainting of a pass: which latent pixels are repainted, and the 9-channel UNet's extra input. */
export interface GenerationMask {
  /** latentHeight × latentWidth; 1 = repaint, 0 = keep the start latent. */
  latent: Float32Array;
  /**
   * For 9-channel UNets: the mask at latent size (binary) and each image's masked-image latent (4 channels, one
   * after the other, or one shared). Absent: mask 1 everywhere and a mid-grey image, as A1111 does without a mask.
   */
  conditioning?: { mask: Float32Array; maskedLatents: Float32Array };
}

/** Everything a diffusion pass needs, checked: building one throws FatalRunError for every bad parameter. */
export interface GenerationPlan extends ModelPlan {
  stageIndex: number;
  stageCount: number;
  seeds: bigint[];
  width: number;
  height: number;
  /** img2img start (resized to the output size) with its strength in [0, 1); absent for txt2img. */
  init?: GenerationInit;
  /** Strength as requested, for the infotext (also when ≥ 1 made the run a txt2img). */
  denoisingStrength?: number;
  /** Inpainting: masked img2img (needs init). */
  mask?: GenerationMask;
  /** ControlNet units (`controlnet.args`) with their hints at width × height; absent or empty = none. */
  control?: ControlNetUnitPlan[];
  /** enablePix2pix: the images to edit (one shared or one per image); absent = the init images. */
  pix2pixImages?: readonly RgbImage[];
}

/** A catalogue model handed to the run, by id (decimal string) or name. */
export function findModel(models: readonly RunnerModel[], ref: string, kinds: readonly string[]): RunnerModel | undefined {
  const candidates = models.filter((m) => kinds.includes(m.kind));
  return (
    candidates.find((m) => m.id === ref) ??
    candidates.find((m) => m.name === ref) ??
    candidates.find((m) => m.name.toLowerCase() === ref.toLowerCase())
  );
}

function chooseCheckpoint(input: RunInput, d: DiffusionParams): RunnerModel {
  const ref = d.sdModel ?? '';
  const found = ref ? findModel(input.models, ref, CHECKPOINT_KINDS) : input.models.find((m) => CHECKPOINT_KINDS.includes(m.kind));
  if (!found) throw new FatalRunError(ref ? `checkpoint "${ref}" was not provided to the engine` : 'no checkpoint model was provided to the engine');
  return found;
}

function chooseEncoder(model: ModelFolder, checkpoint: RunnerModel, d: DiffusionParams): EncoderChoice {
  const options: EncoderChoice[] = [{ name: 'default', encoders: model.textEncoders }];
  for (const alt of model.alternativeEncoders) {
    // An alternative replaces the first encoder; SDXL keeps its second.
    options.push({ name: alt.name, encoders: [...alt.encoders, ...model.textEncoders.slice(1)] });
  }
  const offered = options.map((o) => o.name).join(', ');
  const byName = (name: string) => options.find((o) => o.name.toLowerCase() === name.toLowerCase());
  const requested = d.clipEncoderName?.trim();
  if (requested) {
    const found = byName(requested);
    if (!found) throw new FatalRunError(`unknown clipEncoderName "${requested}"; model "${checkpoint.name}" offers: ${offered}`);
    if (d.v1Clip && found.name !== 'v1' && !(found.name === 'default' && model.family === 'SD1')) {
      throw new FatalRunError(`v1Clip asks for the v1 CLIP encoder but clipEncoderName selects "${found.name}"`);
    }
    return checkWidth(found, model, checkpoint);
  }
  if (d.v1Clip) {
    const v1 = byName('v1');
    if (v1) return checkWidth(v1, model, checkpoint);
    // SD 1.x models' own encoder is CLIP v1 (ViT-L/14).
    if (model.family === 'SD1') return options[0];
    throw new FatalRunError(
      `v1Clip needs a v1 CLIP text encoder (folder text_encoder_v1/) in ${model.family} model "${checkpoint.name}"; it offers: ${offered}`,
    );
  }
  return options[0];
}

/** An alternative encoder must be as wide as the one it replaces, or the UNet cannot take its states. */
function checkWidth(choice: EncoderChoice, model: ModelFolder, checkpoint: RunnerModel): EncoderChoice {
  const own = model.textEncoders[0]?.config?.hidden_size;
  const alt = choice.encoders[0]?.config?.hidden_size;
  if (choice.name !== 'default' && typeof own === 'number' && typeof alt === 'number' && own !== alt) {
    throw new FatalRunError(`text encoder "${choice.name}" of "${checkpoint.name}" is ${alt} wide but the model's own is ${own}`);
  }
  return choice;
}

function chooseVae(input: RunInput, d: DiffusionParams, needEncoder: boolean): GenerationPlan['vae'] {
  const ref = d.sdVae?.trim() ?? '';
  if (BUILTIN_VAE.has(ref.toLowerCase())) return undefined;
  const model = findModel(input.models, ref, VAE_KINDS);
  if (!model) throw new FatalRunError(`unknown VAE "${ref}": it was not provided to the engine`);
  const folder = readModelFolder(model.path);
  const missing = [!folder.vaeDecoder && 'vae_decoder/model.onnx', needEncoder && !folder.vaeEncoder && 'vae_encoder/model.onnx (needed for img2img)'].filter(Boolean);
  if (missing.length) throw new FatalRunError(`VAE "${model.name}" lacks ${missing.join(', ')}`);
  return { model, folder };
}

/**
 * Request flags that need a model component (pix2pix, layer diffusion, ELLA: ./model-features): planned against the
 * folder, refused with what is missing, never ignored. A UNet with another channel count than the engine runs is
 * refused here too.
 */
async function checkFeatureFlags(d: DiffusionParams, model: ModelFolder, checkpoint: RunnerModel, notices: string[]): Promise<ModelFeatures> {
  const inChannels = model.unet?.config?.in_channels;
  if (!d.enablePix2pix && inChannels !== undefined && inChannels !== 4 && inChannels !== INPAINTING_UNET_CHANNELS) {
    throw new FatalRunError(
      inChannels === PIX2PIX_UNET_CHANNELS
        ? `"${checkpoint.name}" is an InstructPix2Pix checkpoint (8-channel UNet): set enablePix2pix and give it an input image`
        : `"${checkpoint.name}" has a UNet with ${String(inChannels)} input channels; this engine runs 4-channel UNets and 9-channel inpainting UNets`,
    );
  }
  const features = await planModelFeatures(d, model, checkpoint, notices);
  if (d.useHunyuanDit) notices.push('useHunyuanDit is deprecated and has no effect');
  return features;
}

function checkUnsupported(d: DiffusionParams, controlNets: boolean, animateDiff: boolean): void {
  // A caller that plans `controlnet.args` (planControlNets, which needs the pass size) says so; others refuse them.
  if (d.controlnet?.args.length && !controlNets) throw new FatalRunError('ControlNet (controlnet.args) is not supported by this engine yet');
  // Video passes (../animatediff) say so; an image pass given animateDiff.args would silently drop the video.
  if (d.animateDiff?.args.length && !animateDiff) {
    throw new FatalRunError('animateDiff.args make a video: only an IMAGE_TO_ANIMATE_DIFF stage (or a DIFFUSION stage carrying them) takes them');
  }
}

/**
 * Checks one set of diffusion parameters and reads what they need: the checkpoint and its folder, sampler and
 * schedule, text encoder choice, VAE (with its encoder when `vaeEncoder`), request flags, LoRAs and embeddings.
 * Every problem is a FatalRunError naming what is wrong (and, where there is a choice, what is supported).
 */
export async function planDiffusionModel(
  input: RunInput,
  d: DiffusionParams,
  opts: { vaeEncoder: boolean; controlNets?: boolean; animateDiff?: boolean },
): Promise<ModelPlan> {
  checkUnsupported(d, opts.controlNets ?? false, opts.animateDiff ?? false);
  let sampler: ResolvedSampler;
  try {
    sampler = resolveSampler(d.sampler, d.scheduleName);
  } catch (e) {
    if (e instanceof SamplerConfigError) throw new FatalRunError(e.message);
    throw e;
  }
  const checkpoint = chooseCheckpoint(input, d);
  const model = readModelFolder(checkpoint.path);
  const inpaintingUnet = model.unet?.config?.in_channels === INPAINTING_UNET_CHANNELS;
  // InstructPix2Pix encodes the image it edits.
  const needEncoder = opts.vaeEncoder || inpaintingUnet || Boolean(d.enablePix2pix);
  const vae = chooseVae(input, d, needEncoder);
  assertRunnable(vae ? { ...model, vaeDecoder: vae.folder.vaeDecoder, vaeEncoder: vae.folder.vaeEncoder } : model, { vaeEncoder: needEncoder });
  const notices: string[] = [];
  const features = await checkFeatureFlags(d, model, checkpoint, notices);
  const encoder = chooseEncoder(model, checkpoint, d);

  const loras: LoadedLora[] = [];
  for (const item of d.lora?.items ?? []) {
    const found = findModel(input.models, item.loraModel, LORA_KINDS);
    if (!found) throw new FatalRunError(`unknown LoRA "${item.loraModel}": it was not provided to the engine`);
    loras.push(await loadLora({ id: found.id, name: found.name, file: found.path, weight: item.weight, blockWeight: item.blockWeight }, model.family));
  }

  const embeddings: LoadedEmbedding[] = [];
  for (const item of d.embedding?.items ?? []) {
    const found = findModel(input.models, item.model, EMBEDDING_KINDS);
    if (!found) throw new FatalRunError(`unknown embedding "${item.model}": it was not provided to the engine`);
    if (embeddings.some((e) => e.request.name === found.name)) continue;
    embeddings.push(await loadEmbedding({ id: found.id, name: found.name, file: found.path, weight: item.weight }, model.family));
  }
  // Layer diffusion's LoRA merges like the request's own, after them.
  if (features.layerDiffusion?.lora) loras.push(features.layerDiffusion.lora);
  return { diffusion: d, checkpoint, model, encoder, vae, sampler, loras, embeddings, inpaintingUnet, features, notices };
}

/** Sizes a diffusion pass can take: positive multiples of 8 (the latent grid). */
export function checkPassSize(width: number, height: number, what = 'width and height'): void {
  if (!(width > 0 && height > 0 && width % 8 === 0 && height % 8 === 0)) throw new FatalRunError(`${what} must be positive multiples of 8, got ${width}×${height}`);
}

/** Reads an uploaded image of the job, with the errors a job reports for a missing or unreadable one. */
export async function loadJobImage(input: RunInput, resourceId: string, what = 'input image'): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await input.loadResource(resourceId);
  } catch (e) {
    throw new FatalRunError(`${what} ${resourceId} could not be read: ${(e as Error).message}`);
  }
  try {
    return await decodeRgb(bytes);
  } catch (e) {
    throw new FatalRunError(`${what} ${resourceId} is not a readable image: ${(e as Error).message}`);
  }
}

/**
 * Reads and checks a txt2img / img2img job (INPUT_INITIALIZE + DIFFUSION) before anything runs: stage types, the
 * model side (planDiffusionModel), sizes, seeds and the img2img start image. Multi-stage jobs are planned stage by
 * stage in ../stages.
 */
export async function planGeneration(input: RunInput): Promise<GenerationPlan> {
  const { stages } = input.request;
  for (const stage of stages) {
    if (!(SUPPORTED_STAGES as readonly string[]).includes(stage.type)) throw new FatalRunError(`stage ${stage.type} is not supported by this engine yet`);
  }
  const stageIndex = stages.findIndex((s) => s.type === 'DIFFUSION');
  const d = stages[stageIndex]?.diffusion;
  if (!d) throw new FatalRunError('the job has no DIFFUSION stage');
  const ii: InputInitialize | undefined = stages.find((s) => s.type === 'INPUT_INITIALIZE')?.inputInitialize;
  const imageId = ii?.imageResourceId;
  const strength = imageId ? (d.denoisingStrength ?? DEFAULT_DENOISING_STRENGTH) : undefined;
  const modelPlan = await planDiffusionModel(input, d, { vaeEncoder: strength !== undefined && strength < 1, controlNets: true });
  checkPassSize(d.width, d.height);
  let init: GenerationPlan['init'];
  let pix2pixImages: RgbImage[] | undefined;
  if (modelPlan.features.pix2pix && !imageId) throw new FatalRunError(PIX2PIX_NEEDS_IMAGE);
  if (imageId && strength !== undefined) {
    const image = await resizeRgb(await loadJobImage(input, imageId), d.width, d.height);
    // Strength 1 starts from pure noise: the start image has no influence at all (pix2pix still edits it).
    if (strength < 1) init = { image, strength };
    if (modelPlan.features.pix2pix) pix2pixImages = [image];
  }
  const control = await planControlNets(input, d, { width: d.width, height: d.height, family: modelPlan.model.family, startImageId: imageId });
  return {
    ...modelPlan,
    stageIndex,
    stageCount: stages.length,
    seeds: resolveSeeds(ii?.seed, ii?.count ?? 1),
    width: d.width,
    height: d.height,
    init,
    denoisingStrength: strength,
    control,
    pix2pixImages,
  };
}
