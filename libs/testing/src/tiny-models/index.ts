export {
  EXPORT_STYLES,
  generateTinyPipeline,
  generateTinySd15,
  generateTinySd2,
  generateTinySdxl,
  MID_SIZE_OPTIONS,
  resolveTinyOptions,
} from './tiny-pipeline.generator';
export type { ResolvedTinyModelOptions, TinyModelDescription, TinyModelOptions } from './tiny-pipeline.generator';
export { generateTinyControlNet } from './tiny-controlnet.generator';
export { generateTinyMotionModel } from './tiny-motion-model.generator';
export type { TinyMotionModelDescription, TinyMotionModelOptions } from './tiny-motion-model.generator';
export type { TinyControlNetDescription, TinyControlNetOptions } from './tiny-controlnet.generator';
export { generateTinyLora, kohyaKey, loraTargets } from './tiny-lora.generator';
export type { LoraTarget, LoraTargetSet, TinyLoraDescription, TinyLoraOptions } from './tiny-lora.generator';
export { generateTinyEmbedding } from './tiny-embedding.generator';
export type { EmbeddingFormat, TinyEmbeddingDescription, TinyEmbeddingOptions } from './tiny-embedding.generator';
export {
  DTYPE_BYTES,
  encodeSafetensors,
  floatTensor,
  MAX_HEADER_BYTES,
  parseSafetensors,
  readSafetensors,
  SafetensorsError,
  tensorToFloat32,
  writeSafetensors,
} from './safetensors';
export type { SafetensorsDtype, SafetensorsFile, SafetensorsInput, SafetensorsTensor } from './safetensors';
export { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits } from './float16';
export { clipTokenizerFiles, loadClipBpeData } from './clip-tokenizer.files';
export { acceptTypedArraysFromAnyRealm } from './typed-array-realm.patch';
export type { TensorSpec, TensorType } from './onnx-graph.builder';
export type { TinyFamily } from './pipeline-configs';
export type { TimestepType } from './unet.graph';
export type { VaeEncoderOutput } from './vae.graph';
export { generateTinyPix2pix, PIX2PIX_IN_CHANNELS } from './tiny-pix2pix.generator';
export type { TinyPix2pixDescription, TinyPix2pixOptions } from './tiny-pix2pix.generator';
export { generateTinyLayerDiffusion } from './tiny-layer-diffusion.generator';
export type { TinyLayerDiffusionDescription, TinyLayerDiffusionOptions } from './tiny-layer-diffusion.generator';
export { generateTinyElla } from './tiny-ella.generator';
export type { TinyEllaDescription, TinyEllaOptions } from './tiny-ella.generator';
export { t5TokenizerFiles, t5Vocabulary } from './t5-tokenizer.files';
export { generateSd15ScaleModel, sd15UnetWeightCount, SD15_CONTEXT_DIM } from './sd15-scale.generator';
export type { Sd15ScaleDescription, Sd15ScaleOptions } from './sd15-scale.generator';
