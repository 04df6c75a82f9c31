import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ControlMode, ControlnetUnit, DiffusionParams } from '@darkroom/contracts';
import { sharedAuxiliarySessions, type AuxiliarySessions } from '../engine/auxiliary-sessions';
import { readComponent, type ComponentFiles, type ModelFamily } from '../engine/model-folder';
import { decodeRgb, type RgbImage } from '../engine/vae';
import { FatalRunError, type RunInput, type RunnerModel } from '../runner/job-runner';
import { atResolution, fitHint, hintFit, pixelPerfectResolution, type HintFit } from './hint-geometry';
import { PreprocessorError, resolvePreprocessor, resolvePreprocessorParams } from './preprocessors/preprocessor-registry';
import type { Preprocessor } from './preprocessors/preprocessor.types';

export const CONTROLNET_KINDS = ['CONTROLNET'];
const FAMILIES: readonly string[] = ['SD1', 'SD2', 'SDXL'];

/** One ControlNet unit, checked, with its hint ready at the generation size. */
export interface ControlNetUnitPlan {
  /** Where the unit is in the request, for messages: `controlnet.args[1]`. */
  field: string;
  model: RunnerModel;
  files: ComponentFiles;
  /** The model's config says `global_pool_conditions` (shuffle-type ControlNets): residuals are averaged over space. */
  globalPool: boolean;
  preprocessor: string;
  /** The hint image at width × height (RGB, 0–255; fed to the ControlNet as 0–1). */
  hint: RgbImage;
  /** Effective region (maskResourceId): width × height values in [0, 1]; the unit acts where it is white. */
  mask?: Float32Array;
  weight: number;
  guidanceStart: number;
  guidanceEnd: number;
  controlMode: ControlMode;
}

export interface ControlNetPlanContext {
  width: number;
  height: number;
  family: ModelFamily;
  /** The job's start image (img2img): a unit without its own image uses it, as A1111 does. */
  startImageId?: string;
  /** Prefix of field names in messages (e.g. `stages[1].diffusion.`). */
  fieldPrefix?: string;
  sessions?: AuxiliarySessions;
}

/** A catalogue ControlNet: a folder with model.onnx, a model folder with controlnet/model.onnx, or an .onnx file. */
export function controlNetFiles(model: RunnerModel): ComponentFiles | null {
  const p = model.path;
  if (!existsSync(p)) return null;
  if (statSync(p).isFile()) return p.endsWith('.onnx') ? { folder: 'controlnet', file: p, bytes: statSync(p).size, config: null } : null;
  const own = readComponent(path.dirname(p), path.basename(p));
  if (own) return { ...own, folder: 'controlnet' };
  return readComponent(p, 'controlnet');
}

function findControlNet(models: readonly RunnerModel[], ref: string): RunnerModel | undefined {
  const candidates = models.filter((m) => CONTROLNET_KINDS.includes(m.kind));
  return candidates.find((m) => m.id === ref) ?? candidates.find((m) => m.name === ref) ?? candidates.find((m) => m.name.toLowerCase() === ref.toLowerCase());
}

interface CheckedUnit {
  field: string;
  unit: ControlnetUnit;
  model: RunnerModel;
  files: ComponentFiles;
  preprocessor: Preprocessor;
  params: Record<string, number>;
  imageId: string;
}

/** Names, models and settings of every unit, before any image is read. */
function checkUnit(input: RunInput, unit: ControlnetUnit, field: string, ctx: ControlNetPlanContext): CheckedUnit {
  let preprocessor: Preprocessor;
  let params: Record<string, number>;
  try {
    preprocessor = resolvePreprocessor(unit.preprocessor);
    params = resolvePreprocessorParams(preprocessor, unit.preprocessorParams);
  } catch (e) {
    if (e instanceof PreprocessorError) throw new FatalRunError(`${field}: ${e.message}`);
    throw e;
  }
  const model = findControlNet(input.models, unit.model);
  if (!model) {
    const offered = input.models.filter((m) => CONTROLNET_KINDS.includes(m.kind)).map((m) => `"${m.name}"`);
    throw new FatalRunError(`${field}.model: unknown ControlNet "${unit.model}"; provided to the engine: ${offered.length ? offered.join(', ') : 'none'}`);
  }
  if (FAMILIES.includes(model.baseModel) && model.baseModel !== ctx.family) {
    throw new FatalRunError(`${field}.model: ControlNet "${model.name}" is for ${model.baseModel} but the checkpoint is ${ctx.family}`);
  }
  const files = controlNetFiles(model);
  if (!files) throw new FatalRunError(`${field}.model: ControlNet "${model.name}" has no model.onnx (looked in ${model.path})`);
  const imageId = unit.inputImageResourceId || ctx.startImageId;
  if (!imageId) throw new FatalRunError(`${field}.inputImageResourceId is required: the unit has no image and the job has no start image`);
  return { field, unit, model, files, preprocessor, params, imageId };
}

async function readImage(input: RunInput, id: string, field: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await input.loadResource(id);
  } catch (e) {
    throw new FatalRunError(`${field}: image ${id} could not be read: ${(e as Error).message}`);
  }
  try {
    return await decodeRgb(bytes);
  } catch (e) {
    throw new FatalRunError(`${field}: image ${id} is not a readable image: ${(e as Error).message}`);
  }
}

/** The hint at the generation size: preprocessor at its resolution, then fitted with the unit's resize mode. */
export async function buildHint(
  image: RgbImage,
  preprocessor: Preprocessor,
  params: Record<string, number>,
  target: { width: number; height: number; fit: HintFit; pixelPerfect: boolean },
  sessions: AuxiliarySessions,
): Promise<RgbImage> {
  let source = image;
  if (!preprocessor.ownResolution) {
    const resolution = target.pixelPerfect ? pixelPerfectResolution(image, target, target.fit) : params.processor_res;
    source = await atResolution(image, resolution);
  }
  const map = await preprocessor.run(source, params, { sessions });
  return fitHint(map, target.width, target.height, target.fit, preprocessor.binary);
}

/**
 * Checks and prepares `controlnet.args`: every unit's preprocessor (with its settings), model and image are checked
 * first, so an unknown name fails before any image is decoded; then each hint is computed at the generation size
 * and each mask read. Every problem is a FatalRunError naming the field.
 */
export async function planControlNets(input: RunInput, d: DiffusionParams, ctx: ControlNetPlanContext): Promise<ControlNetUnitPlan[]> {
  const units = d.controlnet?.args ?? [];
  const prefix = ctx.fieldPrefix ?? '';
  const checked = units.map((unit, i) => checkUnit(input, unit, `${prefix}controlnet.args[${i}]`, ctx));
  const sessions = ctx.sessions ?? sharedAuxiliarySessions();
  const plans: ControlNetUnitPlan[] = [];
  for (const c of checked) {
    const fit = hintFit(c.unit.resizeMode);
    const image = await readImage(input, c.imageId, `${c.field}.inputImageResourceId`);
    let hint: RgbImage;
    try {
      hint = await buildHint(image, c.preprocessor, c.params, { width: ctx.width, height: ctx.height, fit, pixelPerfect: c.unit.pixelPerfect ?? false }, sessions);
    } catch (e) {
      if (e instanceof RangeError) throw new FatalRunError(`${c.field}.preprocessorParams: ${e.message}`);
      throw e;
    }
    let mask: Float32Array | undefined;
    if (c.unit.maskResourceId) {
      const field = `${c.field}.maskResourceId`;
      const fitted = await fitHint(await readImage(input, c.unit.maskResourceId, field), ctx.width, ctx.height, fit, false);
      mask = new Float32Array(ctx.width * ctx.height);
      // Luma of the (usually grey) mask.
      for (let p = 0; p < mask.length; p++) {
        mask[p] = (0.299 * fitted.data[p * 3] + 0.587 * fitted.data[p * 3 + 1] + 0.114 * fitted.data[p * 3 + 2]) / 255;
      }
    }
    // `guidance` is the older single "guidance end"; it applies when guidanceEnd is left at its default.
    const guidanceEnd = c.unit.guidance !== undefined && c.unit.guidanceEnd === 1 ? c.unit.guidance : c.unit.guidanceEnd;
    plans.push({
      field: c.field,
      model: c.model,
      files: c.files,
      globalPool: c.files.config?.global_pool_conditions === true,
      preprocessor: c.preprocessor.name,
      hint,
      mask,
      weight: c.unit.weight,
      guidanceStart: c.unit.guidanceStart,
      guidanceEnd,
      controlMode: c.unit.controlMode,
    });
  }
  return plans;
}
