/** A detected object: a box in image pixels (x2, y2 exclusive, fractional), its confidence and optional landmarks. */
export interface DetectionBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Confidence in [0, 1]. */
  score: number;
  /** Landmarks in image pixels (BlazeFace: right eye, left eye, nose, mouth, right ear, left ear). */
  keypoints?: { x: number; y: number }[];
}

export function boxArea(b: Pick<DetectionBox, 'x1' | 'y1' | 'x2' | 'y2'>): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Intersection over union of two boxes (0 when either is empty). */
export function intersectionOverUnion(a: DetectionBox, b: DetectionBox): number {
  const inter = boxArea({ x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1), x2: Math.min(a.x2, b.x2), y2: Math.min(a.y2, b.y2) });
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}
