import type { CreateJobRequest, EstimateRequest } from './create-job.schema';
import type { DiffusionParams } from './diffusion.schema';
import type { LoraParams } from './lora.schema';

export type ModelRefKind = 'checkpoint' | 'vae' | 'lora' | 'embedding' | 'controlnet' | 'adetailer_checkpoint';

export interface ModelRef {
  /** Where the reference is written, e.g. `stages[0].diffusion.lora.items[1].loraModel`. */
  field: string;
  kind: ModelRefKind;
  /** Catalogue id (decimal string) or name, as sent; `''` = the catalogue's default checkpoint. */
  ref: string;
  accessKey?: string;
}

/** Every diffusion object of a request with its field path, in request order. */
export function diffusionObjects(req: Pick<CreateJobRequest, 'stages'>): Array<{ path: string; diffusion: DiffusionParams }> {
  const found: Array<{ path: string; diffusion: DiffusionParams }> = [];
  req.stages.forEach((stage, i) => {
    const candidates: Array<[string, DiffusionParams | undefined]> = [
      [`stages[${i}].diffusion`, stage.diffusion],
      [`stages[${i}].imageToUpscaler.diffusion`, stage.imageToUpscaler?.diffusion],
      [`stages[${i}].imageToAdetailer.diffusion`, stage.imageToAdetailer?.diffusion],
      [`stages[${i}].imageToInpaint.diffusion`, stage.imageToInpaint?.diffusion],
    ];
    for (const [path, diffusion] of candidates) if (diffusion) found.push({ path, diffusion });
  });
  return found;
}

function loraRefs(lora: LoraParams | undefined, path: string, refs: ModelRef[]): void {
  lora?.items.forEach((item, k) =>
    refs.push({ field: `${path}.lora.items[${k}].loraModel`, kind: 'lora', ref: item.loraModel, ...(item.loraAccessKey ? { accessKey: item.loraAccessKey } : {}) }),
  );
}

/**
 * Every model a request references, with its field path, for the catalogue to resolve:
 * - `checkpoint` for each diffusion object that names `sdModel` (with `modelAccessKey`); when none names one,
 *   a single `''` ref at the first diffusion object's `sdModel` asks for the default checkpoint;
 * - `vae` for each `sdVae`; `lora`, `embedding`, `controlnet` (unit `model`) items;
 * - ADetailer: `adetailer_checkpoint` when `adUseCheckpoint` and `adCheckpoint` are set, and its LoRAs.
 * ADetailer detectors (`adModel`) and ControlNet preprocessors are engine built-ins, not catalogue models.
 */
export function collectModelRefs(req: CreateJobRequest | EstimateRequest): ModelRef[] {
  const refs: ModelRef[] = [];
  const objects = diffusionObjects(req);
  const access = (key: string | undefined) => (key ? { accessKey: key } : {});
  for (const { path, diffusion: d } of objects) {
    if (d.sdModel) refs.push({ field: `${path}.sdModel`, kind: 'checkpoint', ref: d.sdModel, ...access(d.modelAccessKey) });
    if (d.sdVae) refs.push({ field: `${path}.sdVae`, kind: 'vae', ref: d.sdVae, ...access(d.modelAccessKey) });
    loraRefs(d.lora, path, refs);
    d.embedding?.items.forEach((item, k) =>
      refs.push({ field: `${path}.embedding.items[${k}].model`, kind: 'embedding', ref: item.model, ...access(item.embeddingAccessKey) }),
    );
    d.controlnet?.args.forEach((unit, k) => refs.push({ field: `${path}.controlnet.args[${k}].model`, kind: 'controlnet', ref: unit.model }));
  }
  if (objects.length && !objects.some((o) => o.diffusion.sdModel)) {
    refs.unshift({ field: `${objects[0].path}.sdModel`, kind: 'checkpoint', ref: '' });
  }
  req.stages.forEach((stage, i) => {
    stage.imageToAdetailer?.args.forEach((arg, a) => {
      const path = `stages[${i}].imageToAdetailer.args[${a}]`;
      if (arg.adUseCheckpoint && arg.adCheckpoint) refs.push({ field: `${path}.adCheckpoint`, kind: 'adetailer_checkpoint', ref: arg.adCheckpoint });
      loraRefs(arg.lora, path, refs);
    });
  });
  return refs;
}
