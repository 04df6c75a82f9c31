/**
 * The frame windows a motion UNet sees. A clip longer than the window is covered by overlapping windows (A1111's
 * AnimateDiff "context batch": stride window − overlap, the last one aligned to the clip's end) whose predictions
 * are averaged where they overlap. A clip shorter than a fixed frame axis is looped to fill it (duplicates are
 * averaged too); with a dynamic axis it is one window of its own length.
 */
export function frameWindows(frames: number, window: number, fixedAxis: boolean, overlap = Math.floor(window / 4)): number[][] {
  if (!(Number.isInteger(frames) && frames > 0)) throw new Error(`frames must be a positive integer, got ${frames}`);
  if (!(Number.isInteger(window) && window > 0)) throw new Error(`window must be a positive integer, got ${window}`);
  if (frames <= window) {
    const length = fixedAxis ? window : frames;
    return [Array.from({ length }, (_, k) => k % frames)];
  }
  const stride = Math.max(1, window - Math.min(overlap, window - 1));
  const starts: number[] = [];
  for (let s = 0; s + window < frames; s += stride) starts.push(s);
  starts.push(frames - window);
  return starts.map((s) => Array.from({ length: window }, (_, k) => s + k));
}

/** How many window slots each frame fills (the divisor of its averaged prediction). */
export function windowCoverage(frames: number, windows: readonly (readonly number[])[]): Float32Array {
  const hits = new Float32Array(frames);
  for (const w of windows) for (const f of w) hits[f]++;
  for (let f = 0; f < frames; f++) if (!hits[f]) throw new Error(`frame ${f} is in no window`);
  return hits;
}
