import type { DiffusionParams } from '@darkroom/contracts';
import { planElla, type EllaPlan } from '../ella/ella-plan';
import { adapterInputs, ellaUNetView, t5TokenizerFor, type LoadedElla } from '../ella/ella-conditioning';
import { planLayerDiffusion, type LayerDiffusionPlan } from '../layer-diffusion/layer-diffusion-plan';
import { transparentDecoderInputs } from '../layer-diffusion/transparent-decoding';
import { planPix2pix, PIX2PIX_UNET_CHANNELS, type Pix2pixPlan } from '../pix2pix/pix2pix-plan';
import { FatalRunError } from '../runner/job-runner';
import type { ComponentFiles, ModelFolder } from './model-folder';
import type { OnnxComponent } from './onnx-component';

/**
 * The request flags that need a model component (`enablePix2pix`, `layerDiffusion`, `enableElla`), planned against
 * the checkpoint folder. A flag whose component is missing is a FatalRunError naming it; a flag is never ignored.
 */
export interface ModelFeatures {
  pix2pix?: Pix2pixPlan;
  layerDiffusion?: LayerDiffusionPlan;
  ella?: EllaPlan;
}

/** The sessions of the planned features, checked out with the pipeline. */
export interface LoadedFeatures {
  ella?: LoadedElla;
  transparentDecoder?: OnnxComponent;
}

export async function planModelFeatures(d: DiffusionParams, model: ModelFolder, checkpoint: { id: string; name: string }, notices: string[]): Promise<ModelFeatures> {
  const features: ModelFeatures = {};
  if (d.enablePix2pix) features.pix2pix = planPix2pix(d, model, checkpoint.name);
  if (d.layerDiffusion?.enable) features.layerDiffusion = await planLayerDiffusion(d, model, checkpoint, notices);
  else if (d.layerDiffusion?.weight !== undefined && d.layerDiffusion.weight !== 1) notices.push('layerDiffusion.weight has no effect without layerDiffusion.enable');
  if (d.enableElla) features.ella = planElla(d, model, checkpoint.name, notices);
  return features;
}

/** Opens the feature components' sessions with `take` (the pipeline's session cache checkout). */
export async function loadFeatureSessions(features: ModelFeatures | undefined, take: (c: ComponentFiles) => Promise<OnnxComponent>): Promise<LoadedFeatures> {
  const loaded: LoadedFeatures = {};
  if (features?.ella) {
    const { adapter, t5, tokenizerFile, maxLength } = features.ella;
    let tokenizer;
    try {
      tokenizer = t5TokenizerFor(tokenizerFile);
    } catch (e) {
      throw new FatalRunError(`enableElla: the T5 tokenizer ${tokenizerFile} could not be read: ${(e as Error).message}`);
    }
    loaded.ella = { adapter: await take(adapter), t5: await take(t5), tokenizer, maxLength };
  }
  if (features?.layerDiffusion) loaded.transparentDecoder = await take(features.layerDiffusion.decoder);
  return loaded;
}

/** Checks the loaded feature sessions against the UNet (before any step), as FatalRunErrors naming the part. */
export function checkFeatureSessions(loaded: LoadedFeatures, unet: OnnxComponent, pix2pix: boolean, checkpointName: string): void {
  if (pix2pix) {
    const channels = unet.input('sample').shape[1];
    if (typeof channels === 'number' && channels !== PIX2PIX_UNET_CHANNELS) {
      throw new FatalRunError(`enablePix2pix: the UNet of "${checkpointName}" takes ${channels}-channel samples; InstructPix2Pix UNets take 8`);
    }
  }
  const fail = (what: string, e: unknown) => {
    throw new FatalRunError(`${what} of "${checkpointName}": ${(e as Error).message}`);
  };
  if (loaded.ella) {
    try {
      adapterInputs(loaded.ella.adapter);
      ellaUNetView(unet, loaded.ella.adapter);
    } catch (e) {
      fail('enableElla: the ELLA connector', e);
    }
    if (!loaded.ella.t5.hasInput('input_ids')) fail('enableElla: the T5 encoder', new Error('it has no input_ids input'));
  }
  if (loaded.transparentDecoder) {
    try {
      transparentDecoderInputs(loaded.transparentDecoder);
    } catch (e) {
      fail('layerDiffusion: the transparency decoder', e);
    }
  }
}
