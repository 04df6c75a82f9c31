import { PRICE_TABLE_V1, PriceTable } from './price-table';

// Only the fields pricing reads; the parsed request of @darkroom/contracts satisfies these shapes.
export interface PricedDiffusion {
  width: number;
  height: number;
  steps: number;
  denoisingStrength?: number;
  controlnet?: { args?: unknown[] };
  animateDiff?: { args?: Array<{ videoLength?: number }> };
}
export interface PricedStage {
  type: string;
  inputInitialize?: { count?: number; imageResourceId?: string };
  diffusion?: PricedDiffusion;
  imageToUpscaler?: {
    hrUpscaler: string;
    hrScale?: number;
    hrResizeX?: number;
    hrResizeY?: number;
    hrSecondPassSteps?: number;
    denoisingStrength: number;
    diffusion?: PricedDiffusion;
  };
  imageToAdetailer?: {
    args: Array<{
      adUseInpaintWidthHeight?: boolean;
      adInpaintWidth?: number;
      adInpaintHeight?: number;
      adUseSteps?: boolean;
      adSteps?: number;
      adDenoisingStrength?: number;
    }>;
    diffusion?: PricedDiffusion;
  };
  imageToInpaint?: { diffusion?: PricedDiffusion };
}

export interface PriceLine {
  stageIndex: number;
  what: string;
  credits: number;
}
export interface Price {
  credits: number;
  version: string;
  /** The plan's multiplier in this table (1 when the plan is not listed or none was given). */
  multiplier: number;
  lines: PriceLine[];
}

const PIXELS_512 = 512 * 512;
const LATENT_UPSCALERS = /^latent/i;
const PLAIN_RESAMPLERS = new Set(['lanczos', 'nearest', 'none']);

/** img2img-style passes run ceil(steps × strength) steps, as A1111 does. */
const img2imgSteps = (steps: number, strength: number) => Math.max(1, Math.ceil(steps * Math.min(1, Math.max(0, strength))));

/**
 * The price of a job: Σ over stages of count × pixels × steps at the table's rate, plus ControlNet units,
 * video frames and model upscales, times the plan's multiplier, never below the table's minimum. One function
 * for the estimate (`/v1/jobs/credits`) and for the job (see PriceBook for the table in force).
 */
export function priceJob(stages: PricedStage[], table: PriceTable = PRICE_TABLE_V1, planId?: string): Price {
  const rate = table.basePer512Image20Steps / (PIXELS_512 * 20);
  const count = stages.find((s) => s.inputInitialize)?.inputInitialize?.count || 1;
  const jobDiffusion = stages.find((s) => s.type === 'DIFFUSION')?.diffusion;
  const lines: PriceLine[] = [];
  let size: { w: number; h: number } | null = null;

  const diffusionCost = (d: PricedDiffusion, w: number, h: number, steps: number) => {
    const frames = Math.max(1, d.animateDiff?.args?.[0]?.videoLength ?? 1);
    const units = 1 + table.controlNetUnitFactor * (d.controlnet?.args?.length ?? 0);
    return count * w * h * steps * rate * units * frames;
  };

  stages.forEach((stage, i) => {
    const own = stage.imageToUpscaler?.diffusion ?? stage.imageToAdetailer?.diffusion ?? stage.imageToInpaint?.diffusion;
    const d = stage.type === 'DIFFUSION' || stage.type === 'IMAGE_TO_ANIMATE_DIFF' ? stage.diffusion : own ?? jobDiffusion;
    switch (stage.type) {
      case 'DIFFUSION':
      case 'IMAGE_TO_ANIMATE_DIFF': {
        if (!d) break;
        const fromImage = size !== null || !!stages[0]?.inputInitialize?.imageResourceId;
        const steps = fromImage && d.denoisingStrength !== undefined ? img2imgSteps(d.steps, d.denoisingStrength) : d.steps;
        lines.push({ stageIndex: i, what: stage.type.toLowerCase(), credits: diffusionCost(d, d.width, d.height, steps) });
        size = { w: d.width, h: d.height };
        break;
      }
      case 'IMAGE_TO_UPSCALER': {
        const u = stage.imageToUpscaler;
        if (!u || !d) break;
        if (!size) {
          // Hires fix without an earlier image: the stage makes its base image first.
          lines.push({ stageIndex: i, what: 'upscaler base pass', credits: diffusionCost(d, d.width, d.height, d.steps) });
          size = { w: d.width, h: d.height };
        }
        const base: { w: number; h: number } = size;
        const w = u.hrScale ? Math.round((base.w * u.hrScale) / 8) * 8 : u.hrResizeX ?? base.w;
        const h = u.hrScale ? Math.round((base.h * u.hrScale) / 8) * 8 : u.hrResizeY ?? base.h;
        const steps = img2imgSteps(u.hrSecondPassSteps || d.steps, u.denoisingStrength);
        let credits = u.denoisingStrength > 0 ? diffusionCost(d, w, h, steps) : 0;
        if (!LATENT_UPSCALERS.test(u.hrUpscaler) && !PLAIN_RESAMPLERS.has(u.hrUpscaler.toLowerCase())) {
          credits += count * ((w * h) / 1e6) * table.modelUpscalePerMegapixel;
        }
        lines.push({ stageIndex: i, what: 'upscaler', credits });
        size = { w, h };
        break;
      }
      case 'IMAGE_TO_INPAINT': {
        if (!d) break;
        const steps = img2imgSteps(d.steps, d.denoisingStrength ?? 0.75);
        const s: { w: number; h: number } = size ?? { w: d.width, h: d.height };
        lines.push({ stageIndex: i, what: 'inpaint', credits: diffusionCost(d, s.w, s.h, steps) });
        size = s;
        break;
      }
      case 'IMAGE_TO_ADETAILER': {
        if (!d) break;
        let credits = 0;
        for (const arg of stage.imageToAdetailer?.args ?? []) {
          const w = arg.adUseInpaintWidthHeight ? arg.adInpaintWidth ?? 512 : 512;
          const h = arg.adUseInpaintWidthHeight ? arg.adInpaintHeight ?? 512 : 512;
          const steps = img2imgSteps(arg.adUseSteps ? arg.adSteps ?? 20 : d.steps, arg.adDenoisingStrength ?? 0.4);
          credits += count * w * h * steps * rate;
        }
        lines.push({ stageIndex: i, what: 'adetailer', credits });
        break;
      }
      default:
        break;
    }
  });

  const multiplier = (planId !== undefined ? table.planMultipliers?.[planId] : undefined) ?? 1;
  const total = lines.reduce((sum, l) => sum + l.credits, 0) * multiplier;
  return { credits: roundCredits(Math.max(table.minimumPerJob, total)), version: table.version, multiplier, lines };
}

/** Credits are kept to 4 decimal places (the ledger's precision), rounded up so that work is never under-priced. */
export function roundCredits(value: number): number {
  return Math.ceil(value * 10_000 - 1e-6) / 10_000;
}
