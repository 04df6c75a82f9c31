import type { ModelSchedule } from './model-schedule';
import { solveLinear } from './numeric';
import { checkCancelled, reportStep, start } from './sampler-loop';
import type { TimestepSampler, TimestepSamplerRun } from './sampler.types';
import { unipcTimesteps } from './timesteps';
import { like, type Vec } from './vec';

const DEFAULT_SPACING = 'linspace';

export interface UniPcOptions {
  /** Predictor order p (the corrector makes it p + 1); 2 suits guided sampling. */
  solverOrder?: 1 | 2 | 3;
  /** B(h) variant: 'bh2' = e^h - 1 (default), 'bh1' = h. */
  solverType?: 'bh1' | 'bh2';
}

/** The noise level at each timestep plus a final 0: the grid the solver steps on. */
export function unipcSigmas(schedule: ModelSchedule, timesteps: ArrayLike<number>): Float64Array {
  const out = new Float64Array(timesteps.length + 1);
  for (let i = 0; i < timesteps.length; i++) out[i] = schedule.sigmas[timesteps[i]];
  return out;
}

/** VP coefficients of a noise level: alpha = 1/sqrt(1 + sigma²), sigma_vp = sigma·alpha, lambda = ln(alpha/sigma_vp). */
function vp(sigma: number): { alpha: number; sigma: number; lambda: number } {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  const s = sigma * alpha;
  return { alpha, sigma: s, lambda: Math.log(alpha) - Math.log(s) };
}

interface Coefficients {
  hPhi1: number;
  bH: number;
  /** R (rows: powers of rk) and b of the order conditions. */
  r: number[][];
  b: number[];
}

/** The order conditions shared by predictor and corrector, for the data-prediction (x0) form. */
function coefficients(h: number, rks: number[], order: number, solverType: 'bh1' | 'bh2'): Coefficients {
  const hh = -h;
  const hPhi1 = Math.expm1(hh);
  let hPhiK = hPhi1 / hh - 1;
  let factorial = 1;
  const bH = solverType === 'bh1' ? hh : Math.expm1(hh);
  const r: number[][] = [];
  const b: number[] = [];
  for (let i = 1; i <= order; i++) {
    r.push(rks.map((rk) => rk ** (i - 1)));
    b.push((hPhiK * factorial) / bH);
    factorial *= i + 1;
    hPhiK = hPhiK / hh - 1 / factorial;
  }
  return { hPhi1, bH, r, b };
}

/**
 * UniPC (Zhao et al.), multistep predictor-corrector in VP space on data (x0) predictions, with the settings
 * of the common diffusers configuration: bh2, order 2, lower order on the final step, final sigma 0.
 * Each step first corrects the incoming sample with the fresh model output (UniC, from step 1 on), then predicts
 * the next one (UniP); the final step's output is not corrected. One model call per step.
 */
export function createUniPcSampler(options: UniPcOptions = {}): TimestepSampler {
  const solverOrder = options.solverOrder ?? 2;
  const solverType = options.solverType ?? 'bh2';
  return {
    space: 'timestep',
    key: 'unipc',
    label: 'UniPC',
    stochastic: false,
    defaultSpacing: DEFAULT_SPACING,
    modelCalls: (steps) => steps,

    timesteps(schedule, steps) {
      const spacing = schedule.options.timestepSpacing ?? DEFAULT_SPACING;
      return unipcTimesteps(steps, schedule.numTrainTimesteps, spacing, schedule.options.stepsOffset);
    },

    async sample<V extends Vec>(run: TimestepSamplerRun<V>): Promise<V> {
      const { timesteps, model } = run;
      const n = timesteps.length;
      const grid = Array.from(unipcSigmas(run.schedule, timesteps), vp);
      const history: V[] = []; // converted model outputs, newest last
      let lastSample: V | undefined;
      let thisOrder = 1;
      let lowerOrderNums = 0;
      let x = start(run.x);

      for (let i = 0; i < n; i++) {
        await checkCancelled(run, i);
        const eps = await model(x, timesteps[i]);
        const now = grid[i];
        const x0 = like(x);
        for (let k = 0; k < x0.length; k++) x0[k] = (x[k] - now.sigma * eps[k]) / now.alpha;

        if (i > 0 && lastSample !== undefined) x = correct(x0, lastSample, history, grid, i, thisOrder, solverType);

        history.push(x0);
        if (history.length > solverOrder) history.shift();
        thisOrder = Math.min(Math.min(solverOrder, n - i), lowerOrderNums + 1);
        lastSample = x;
        const next = predict(x, history, grid, i, thisOrder, solverType);
        if (lowerOrderNums < solverOrder) lowerOrderNums++;

        x = next;
        await reportStep(run, i, x, x0);
      }
      return x;
    },
  };
}

/** UniP: from the sample at grid[i] to grid[i + 1]. */
function predict<V extends Vec>(
  x: V,
  history: V[],
  grid: ReturnType<typeof vp>[],
  i: number,
  order: number,
  solverType: 'bh1' | 'bh2',
): V {
  const m0 = history[history.length - 1];
  const s0 = grid[i];
  const t = grid[i + 1];
  const h = t.lambda - s0.lambda;
  const rks: number[] = [];
  const d1s: Float64Array[] = [];
  for (let k = 1; k < order; k++) {
    const mi = history[history.length - 1 - k];
    const rk = (grid[i - k].lambda - s0.lambda) / h;
    rks.push(rk);
    d1s.push(differences(mi, m0, rk));
  }
  rks.push(1);
  const { hPhi1, bH, r, b } = coefficients(h, rks, order, solverType);
  let rhos: number[] = [];
  if (d1s.length > 0) {
    rhos =
      order === 2
        ? [0.5]
        : solveLinear(
            r.slice(0, -1).map((row) => row.slice(0, -1)),
            b.slice(0, -1),
          );
  }
  const ratio = t.sigma / s0.sigma;
  const c0 = t.alpha * hPhi1;
  const c1 = t.alpha * bH;
  const out = like(x);
  for (let e = 0; e < out.length; e++) {
    const base = ratio * x[e] - c0 * m0[e];
    out[e] = d1s.length > 0 ? base - c1 * weighted(rhos, d1s, e) : base;
  }
  return out;
}

/** UniC: re-derive the sample at grid[i] from lastSample at grid[i - 1], using the fresh output modelT. */
function correct<V extends Vec>(
  modelT: V,
  lastSample: V,
  history: V[],
  grid: ReturnType<typeof vp>[],
  i: number,
  order: number,
  solverType: 'bh1' | 'bh2',
): V {
  const m0 = history[history.length - 1];
  const s0 = grid[i - 1];
  const t = grid[i];
  const h = t.lambda - s0.lambda;
  const rks: number[] = [];
  const d1s: Float64Array[] = [];
  for (let k = 1; k < order; k++) {
    const mi = history[history.length - 1 - k];
    const rk = (grid[i - (k + 1)].lambda - s0.lambda) / h;
    rks.push(rk);
    d1s.push(differences(mi, m0, rk));
  }
  rks.push(1);
  const { hPhi1, bH, r, b } = coefficients(h, rks, order, solverType);
  const rhos = order === 1 ? [0.5] : solveLinear(r, b);
  const rhoLast = rhos[rhos.length - 1];
  const ratio = t.sigma / s0.sigma;
  const c0 = t.alpha * hPhi1;
  const c1 = t.alpha * bH;
  const out = like(lastSample);
  for (let e = 0; e < out.length; e++) {
    const base = ratio * lastSample[e] - c0 * m0[e];
    const corr = d1s.length > 0 ? weighted(rhos, d1s, e) : 0;
    out[e] = base - c1 * (corr + rhoLast * (modelT[e] - m0[e]));
  }
  return out;
}

/** (mi - m0) / rk, kept in double precision. */
function differences(mi: Vec, m0: Vec, rk: number): Float64Array {
  const out = new Float64Array(m0.length);
  for (let e = 0; e < out.length; e++) out[e] = (mi[e] - m0[e]) / rk;
  return out;
}

function weighted(rhos: number[], d1s: Float64Array[], e: number): number {
  let s = rhos[0] * d1s[0][e];
  for (let k = 1; k < d1s.length; k++) s += rhos[k] * d1s[k][e];
  return s;
}

export const unipcSampler: TimestepSampler = createUniPcSampler();
