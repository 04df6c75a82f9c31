import type { ControlMode } from '@darkroom/contracts';

/** The base of the soft per-block weights ("soft injection"): the deepest residual gets 1, each shallower one × 0.825. */
export const SOFT_INJECTION_BASE = 0.825;

/**
 * How a unit's residuals are weighted, following A1111's ControlNet extension:
 * - BALANCED (and DEFAULT): every residual × weight, on the conditional and the unconditional branch;
 * - MY_PROMPT_IS_MORE_IMPORTANT: soft injection: residual k of N (down blocks in order, then the mid block)
 *   × weight · 0.825^(N − 1 − k), on both branches;
 * - CONTROLNET_IS_MORE_IMPORTANT: the same soft weights, and only on the conditional branch ("CFG injection": the
 *   unconditional branch runs without control, so CFG pushes towards the control).
 * With SD1.5's 12 + 1 residuals the soft weights are exactly the extension's 0.825^(12 − i).
 */
export interface UnitWeighting {
  /** One scale per residual, in the ControlNet's output order (down blocks, then mid). */
  scales: number[];
  /** Whether the unconditional branch gets the control too. */
  uncond: boolean;
}

export function unitWeighting(mode: ControlMode | undefined, weight: number, residualCount: number): UnitWeighting {
  const soft = mode === 'MY_PROMPT_IS_MORE_IMPORTANT' || mode === 'CONTROLNET_IS_MORE_IMPORTANT';
  const scales = Array.from({ length: residualCount }, (_, k) => (soft ? weight * SOFT_INJECTION_BASE ** (residualCount - 1 - k) : weight));
  return { scales, uncond: mode !== 'CONTROLNET_IS_MORE_IMPORTANT' };
}

/**
 * Whether a unit acts at step `index` (0-based) of `total`: guidanceStart ≤ index / total ≤ guidanceEnd.
 * (A1111 makes the same test on its step counter, which lags one step behind from the second step on; here the
 * window is exact: start 0.2, end 0.5 of 10 steps act on steps 2 to 5.)
 */
export function isActiveAt(index: number, total: number, start: number, end: number): boolean {
  const fraction = total > 0 ? index / total : 0;
  // The tolerance keeps a bound given in decimal (0.3) on the step it names (3 of 10).
  return fraction >= start - 1e-9 && fraction <= end + 1e-9;
}
