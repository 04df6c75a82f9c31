import { intersectionOverUnion, type DetectionBox } from './detection-box';

/**
 * Weighted non-maximum suppression (MediaPipe's blending variant for BlazeFace): the best remaining candidate and
 * every candidate overlapping it by more than `iouThreshold` form one detection whose box and landmarks are their
 * score-weighted mean and whose score is the best one. Anchor-based detectors fire on several neighbouring anchors
 * per object; blending them gives steadier boxes than keeping the single best. Result: best score first.
 */
export function weightedNonMaxSuppression(candidates: readonly DetectionBox[], iouThreshold = 0.3): DetectionBox[] {
  let remaining = [...candidates].sort((a, b) => b.score - a.score);
  const out: DetectionBox[] = [];
  while (remaining.length) {
    const top = remaining[0];
    const cluster: DetectionBox[] = [];
    const rest: DetectionBox[] = [];
    for (const c of remaining) (c === top || intersectionOverUnion(top, c) > iouThreshold ? cluster : rest).push(c);
    // A floor on the weights keeps a cluster of zero scores (confidence threshold 0) well defined.
    const weightOf = (c: DetectionBox) => Math.max(c.score, 1e-9);
    const total = cluster.reduce((s, c) => s + weightOf(c), 0);
    const mean = (pick: (c: DetectionBox) => number) => cluster.reduce((s, c) => s + pick(c) * weightOf(c), 0) / total;
    out.push({
      x1: mean((c) => c.x1),
      y1: mean((c) => c.y1),
      x2: mean((c) => c.x2),
      y2: mean((c) => c.y2),
      score: top.score,
      ...(top.keypoints
        ? { keypoints: top.keypoints.map((_, k) => ({ x: mean((c) => c.keypoints?.[k]?.x ?? 0), y: mean((c) => c.keypoints?.[k]?.y ?? 0) })) }
        : {}),
    });
    remaining = rest;
  }
  return out;
}
