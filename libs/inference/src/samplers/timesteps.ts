import type { TimestepSpacing } from './model-schedule';
import { forwardLinspace, roundHalfEven } from './numeric';
import { SamplerConfigError } from './sampler.errors';

function checkSteps(n: number, numTrain: number): void {
  if (!Number.isInteger(n) || n < 1 || n > numTrain) {
    throw new SamplerConfigError('INVALID_STEPS', `the number of steps must be an integer in 1..${numTrain}, got ${n}`);
  }
}

/** Descending values `start, start - step, …` while > 0 (an `arange(start, 0, -step)`). */
function countDown(start: number, step: number): number[] {
  const count = Math.ceil(start / step);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(start + i * -step);
  return out;
}

/**
 * DDIM's n inference timesteps (descending integers), by spacing:
 * - 'leading': `k * (N // n) + stepsOffset` for k = n-1..0 (SD's "+1" uniform timesteps: 901, 801, …, 1 for n = 10);
 * - 'linspace': round(linspace(0, N-1, n)) reversed;
 * - 'trailing': round(arange(N, 0, -N/n)) - 1.
 */
export function ddimTimesteps(n: number, numTrain: number, spacing: TimestepSpacing, stepsOffset: number): number[] {
  checkSteps(n, numTrain);
  switch (spacing) {
    case 'leading': {
      const ratio = Math.floor(numTrain / n);
      const ts: number[] = [];
      for (let k = n - 1; k >= 0; k--) ts.push(k * ratio + stepsOffset);
      return ts;
    }
    case 'linspace':
      return Array.from(forwardLinspace(0, numTrain - 1, n), roundHalfEven).reverse();
    case 'trailing':
      return countDown(numTrain, numTrain / n).map((t) => roundHalfEven(t) - 1);
  }
}

/**
 * UniPC's n inference timesteps (descending integers): n + 1 points are laid out and the last (lowest) one is
 * dropped, because the solver's final step goes to sigma 0.
 * - 'linspace': round(linspace(0, N-1, n+1)) reversed, last dropped (999, 899, …, 100 for n = 10);
 * - 'leading': `k * (N // (n+1)) + stepsOffset` for k = n..1;
 * - 'trailing': round(arange(N, 0, -N/n)) - 1.
 */
export function unipcTimesteps(n: number, numTrain: number, spacing: TimestepSpacing, stepsOffset: number): number[] {
  checkSteps(n, numTrain);
  switch (spacing) {
    case 'linspace':
      return Array.from(forwardLinspace(0, numTrain - 1, n + 1), roundHalfEven)
        .reverse()
        .slice(0, n);
    case 'leading': {
      const ratio = Math.floor(numTrain / (n + 1));
      const ts: number[] = [];
      for (let k = n; k >= 1; k--) ts.push(k * ratio + stepsOffset);
      return ts;
    }
    case 'trailing':
      return countDown(numTrain, numTrain / n).map((t) => roundHalfEven(t) - 1);
  }
}
