import { ddimSampler } from './ddim.sampler';
import { dpm2AncestralSampler } from './dpm2-ancestral.sampler';
import { dpm2Sampler } from './dpm2.sampler';
import { dpmpp2mSdeHeunSampler, dpmpp2mSdeSampler } from './dpmpp-2m-sde.sampler';
import { dpmpp2mSampler } from './dpmpp-2m.sampler';
import { dpmpp2sAncestralSampler } from './dpmpp-2s-ancestral.sampler';
import { dpmpp3mSdeSampler } from './dpmpp-3m-sde.sampler';
import { dpmppSdeSampler } from './dpmpp-sde.sampler';
import { eulerAncestralSampler } from './euler-ancestral.sampler';
import { eulerSampler } from './euler.sampler';
import { heunSampler } from './heun.sampler';
import { lmsSampler } from './lms.sampler';
import { SamplerConfigError } from './sampler.errors';
import type { Sampler, SamplerKey } from './sampler.types';
import { parseScheduleName, type ScheduleName, type ScheduleRequest } from './schedules';
import { unipcSampler } from './unipc.sampler';

/** Every sampler darkroom runs, in the order the supported list shows them. */
export const SAMPLERS: readonly Sampler[] = [
  dpmpp2mSampler,
  dpmppSdeSampler,
  dpmpp2mSdeSampler,
  dpmpp2mSdeHeunSampler,
  dpmpp2sAncestralSampler,
  dpmpp3mSdeSampler,
  eulerAncestralSampler,
  eulerSampler,
  lmsSampler,
  heunSampler,
  dpm2Sampler,
  dpm2AncestralSampler,
  ddimSampler,
  unipcSampler,
];

/** The request's `sampler` field when it is empty: DPM++ 2M, which with the automatic schedule runs on Karras sigmas. */
export const DEFAULT_SAMPLER_LABEL = 'DPM++ 2M';

/** The display names, e.g. for the API's "support list". Each also accepts a " Karras" / " Exponential" suffix. */
export const SAMPLER_LABELS: readonly string[] = SAMPLERS.map((s) => s.label);

/** Other spellings of each sampler (short keys of other front ends). Matching ignores case, spaces, '_' and '-'. */
const ALIASES: Readonly<Record<string, SamplerKey>> = {
  k_euler: 'euler',
  euler_a: 'euler_ancestral',
  k_euler_a: 'euler_ancestral',
  k_euler_ancestral: 'euler_ancestral',
  k_heun: 'heun',
  k_lms: 'lms',
  dpm2: 'dpm_2',
  k_dpm_2: 'dpm_2',
  dpm2_a: 'dpm_2_ancestral',
  dpm_2_a: 'dpm_2_ancestral',
  k_dpm_2_a: 'dpm_2_ancestral',
  dpmpp_2s_a: 'dpmpp_2s_ancestral',
  k_dpmpp_2s_a: 'dpmpp_2s_ancestral',
  k_dpmpp_2m: 'dpmpp_2m',
  k_dpmpp_sde: 'dpmpp_sde',
  k_dpmpp_2m_sde: 'dpmpp_2m_sde',
  k_dpmpp_2m_sde_heun: 'dpmpp_2m_sde_heun',
  k_dpmpp_3m_sde: 'dpmpp_3m_sde',
  uni_pc: 'unipc',
};

/** Schedule suffixes a sampler name may carry; a suffix wins over the separate scheduleName. */
const SUFFIXES: Readonly<Record<string, ScheduleRequest>> = {
  karras: 'karras',
  ka: 'karras',
  exponential: 'exponential',
  exp: 'exponential',
  automatic: 'automatic',
  normal: 'normal',
  uniform: 'normal',
};

const normalize = (s: string): string => s.trim().toLowerCase().replace(/[\s_-]+/g, ' ');

const BY_NAME: ReadonlyMap<string, Sampler> = (() => {
  const map = new Map<string, Sampler>();
  const byKey = new Map<SamplerKey, Sampler>(SAMPLERS.map((s) => [s.key, s]));
  for (const s of SAMPLERS) {
    map.set(normalize(s.label), s);
    map.set(normalize(s.key), s);
  }
  for (const [alias, key] of Object.entries(ALIASES)) {
    const s = byKey.get(key);
    if (s) map.set(normalize(alias), s);
  }
  return map;
})();

export interface ResolvedSampler {
  sampler: Sampler;
  /** The step schedule for sigma samplers; null for timestep samplers (DDIM, UniPC), which use their own grid. */
  schedule: ScheduleName | null;
}

function unknownSampler(name: string): SamplerConfigError {
  return new SamplerConfigError(
    'UNKNOWN_SAMPLER',
    `unknown sampler "${name}"; supported: ${SAMPLER_LABELS.join(', ')} ` +
      '(sigma samplers also accept a " Karras" or " Exponential" suffix)',
    SAMPLER_LABELS,
  );
}

function lookup(name: string): { sampler: Sampler; suffix?: ScheduleRequest } | undefined {
  const key = normalize(name);
  const exact = BY_NAME.get(key);
  if (exact) return { sampler: exact };
  const cut = key.lastIndexOf(' ');
  if (cut <= 0) return undefined;
  const suffix = SUFFIXES[key.slice(cut + 1)];
  const base = BY_NAME.get(key.slice(0, cut));
  return suffix && base ? { sampler: base, suffix } : undefined;
}

/**
 * Resolves a request's `sampler` and `scheduleName` fields.
 * - Names match case-insensitively, with '_' / '-' / spaces interchangeable: "DPM++ 2M", "dpmpp_2m", "k_dpmpp_2m".
 * - A " Karras" / " Exponential" (or " ka" / " exp") suffix selects the schedule and overrides scheduleName.
 * - An empty name selects DEFAULT_SAMPLER_LABEL.
 * - An empty or "automatic" schedule selects the sampler's preferred schedule ('normal' when it has none).
 * Unknown names throw SamplerConfigError (UNKNOWN_SAMPLER / UNKNOWN_SCHEDULE) listing the supported values.
 */
export function resolveSampler(name?: string | null, scheduleName?: string | null): ResolvedSampler {
  const requested = (name ?? '').trim() === '' ? DEFAULT_SAMPLER_LABEL : (name as string);
  const found = lookup(requested);
  if (!found) throw unknownSampler(requested);
  const scheduleRequest = found.suffix ?? parseScheduleName(scheduleName);
  const { sampler } = found;
  if (sampler.space === 'timestep') return { sampler, schedule: null };
  const schedule = scheduleRequest === 'automatic' ? (sampler.preferredSchedule ?? 'normal') : scheduleRequest;
  return { sampler, schedule };
}

/** A sampler by its key, for code that already holds a validated key. */
export function samplerByKey(key: SamplerKey): Sampler {
  const s = SAMPLERS.find((x) => x.key === key);
  if (!s) throw unknownSampler(key);
  return s;
}
