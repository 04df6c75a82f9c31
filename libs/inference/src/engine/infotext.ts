import type { WeightedPrompt } from '../text';

export interface InfotextFields {
  prompts: readonly WeightedPrompt[];
  negativePrompts: readonly WeightedPrompt[];
  steps: number;
  sampler: string;
  /** The step schedule of sigma samplers ('karras', …); null for DDIM/UniPC. */
  schedule: string | null;
  cfgScale: number;
  seed: bigint;
  width: number;
  height: number;
  model: string;
  vae?: string;
  denoisingStrength?: number;
  clipSkip?: number;
  etaNoiseSeedDelta?: number;
  clipEncoder?: string;
  /** Further pairs in order, before Version (hires fix and inpaint settings, as A1111 names them). */
  extra?: ReadonlyArray<readonly [string, string | number]>;
}

const SCHEDULE_LABELS: Record<string, string> = { karras: 'Karras', exponential: 'Exponential', normal: 'Normal', uniform: 'Uniform' };

/** A prompt list written back as one prompt: items joined with ", ", weighted ones as "(text:weight)". */
export function promptText(items: readonly WeightedPrompt[]): string {
  return items
    .filter((i) => i.text.trim() !== '')
    .map((i) => (i.weight === undefined || i.weight === 1 ? i.text : `(${i.text}:${i.weight})`))
    .join(', ');
}

/** Commas and quotes would break the "key: value, key: value" line: such values are quoted, as A1111 does. */
function value(v: string): string {
  return /[,:"\n]/.test(v) ? JSON.stringify(v) : v;
}

/** The generation parameters in A1111's "parameters" text format (prompt, negative prompt line, then key: value pairs). */
export function formatInfotext(f: InfotextFields): string {
  const pairs: [string, string | number | undefined][] = [
    ['Steps', f.steps],
    ['Sampler', f.sampler],
    ['Schedule type', f.schedule ? (SCHEDULE_LABELS[f.schedule] ?? f.schedule) : undefined],
    ['CFG scale', f.cfgScale],
    ['Seed', f.seed.toString()],
    ['Size', `${f.width}x${f.height}`],
    ['Model', value(f.model)],
    ['VAE', f.vae ? value(f.vae) : undefined],
    ['Denoising strength', f.denoisingStrength],
    ['Clip skip', f.clipSkip && f.clipSkip > 1 ? f.clipSkip : undefined],
    ['Clip encoder', f.clipEncoder ? value(f.clipEncoder) : undefined],
    ['ENSD', f.etaNoiseSeedDelta || undefined],
    ...(f.extra ?? []).map(([k, v]): [string, string | number] => [k, typeof v === 'string' ? value(v) : v]),
    ['Version', 'darkroom'],
  ];
  const line = pairs
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const negative = promptText(f.negativePrompts);
  return [promptText(f.prompts), ...(negative ? [`Negative prompt: ${negative}`] : []), line].join('\n');
}
