import type { RgbImage } from '../../engine/vae';
import type { CocoKeypointName, PoseKeypoint } from './openpose-movenet';

/**
 * OpenPose's 18 body points (COCO's 17 plus the neck, in OpenPose order), as the ControlNet openpose models were
 * trained on: each drawn in its own colour, limbs between them.
 */
const OPENPOSE_POINTS: readonly (CocoKeypointName | 'neck')[] = [
  'nose',
  'neck',
  'right_shoulder',
  'right_elbow',
  'right_wrist',
  'left_shoulder',
  'left_elbow',
  'left_wrist',
  'right_hip',
  'right_knee',
  'right_ankle',
  'left_hip',
  'left_knee',
  'left_ankle',
  'right_eye',
  'left_eye',
  'right_ear',
  'left_ear',
];

/** The 17 limbs OpenPose draws, as pairs of indices into OPENPOSE_POINTS; limb i takes colour i. */
const LIMBS: readonly (readonly [number, number])[] = [
  [1, 2],
  [1, 5],
  [2, 3],
  [3, 4],
  [5, 6],
  [6, 7],
  [1, 8],
  [8, 9],
  [9, 10],
  [1, 11],
  [11, 12],
  [12, 13],
  [1, 0],
  [0, 14],
  [14, 16],
  [0, 15],
  [15, 17],
];

/** OpenPose's 18 colours (RGB): red through yellow, green, blue to magenta. */
export const OPENPOSE_COLORS: readonly (readonly [number, number, number])[] = [
  [255, 0, 0],
  [255, 85, 0],
  [255, 170, 0],
  [255, 255, 0],
  [170, 255, 0],
  [85, 255, 0],
  [0, 255, 0],
  [0, 255, 85],
  [0, 255, 170],
  [0, 255, 255],
  [0, 170, 255],
  [0, 85, 255],
  [0, 0, 255],
  [85, 0, 255],
  [170, 0, 255],
  [255, 0, 255],
  [255, 0, 170],
  [255, 0, 85],
];

/** Half-width of a limb and radius of a point in pixels (OpenPose's drawing at the detection resolution). */
const STICK_WIDTH = 4;
const POINT_RADIUS = 4;
/** Limbs are drawn at 60 % of their colour, points at full colour (so joints stand out). */
const LIMB_SHADE = 0.6;

export interface SkeletonOptions {
  /** Keypoints under this confidence are left out, with their limbs (default 0.3). */
  minScore?: number;
}

/** The 18 OpenPose points from COCO keypoints (null = not visible); the neck is the shoulders' midpoint. */
export function openposePoints(keypoints: readonly PoseKeypoint[], minScore = 0.3): ({ x: number; y: number } | null)[] {
  const byName = new Map(keypoints.filter((k) => k.score >= minScore).map((k) => [k.name, k]));
  return OPENPOSE_POINTS.map((name) => {
    if (name !== 'neck') return byName.get(name) ?? null;
    const l = byName.get('left_shoulder');
    const r = byName.get('right_shoulder');
    return l && r ? { x: (l.x + r.x) / 2, y: (l.y + r.y) / 2 } : null;
  });
}

/** Fills the ellipse whose long axis joins a and b (semi-minor axis `halfWidth`) with `color`. */
function fillLimb(out: Uint8Array, width: number, height: number, a: { x: number; y: number }, b: { x: number; y: number }, halfWidth: number, color: readonly number[]): void {
  const cx = (a.x + b.x) / 2;
  const cy = (a.y + b.y) / 2;
  const half = Math.max(Math.hypot(b.x - a.x, b.y - a.y) / 2, halfWidth);
  const angle = Math.atan2(b.y - a.y, b.x - a.x);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const x0 = Math.max(0, Math.floor(cx - half - 1));
  const x1 = Math.min(width - 1, Math.ceil(cx + half + 1));
  const y0 = Math.max(0, Math.floor(cy - half - 1));
  const y1 = Math.min(height - 1, Math.ceil(cy + half + 1));
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * cos + dy * sin) / half;
      const v = (-dx * sin + dy * cos) / halfWidth;
      if (u * u + v * v <= 1) out.set(color, (y * width + x) * 3);
    }
}

/**
 * The openpose hint: on black, each limb whose two ends are visible as a filled ellipse in its OpenPose colour at
 * 60 %, then each visible point as a full-colour disc, in OpenPose's order (later ones on top).
 */
export function drawOpenposeSkeleton(keypoints: readonly PoseKeypoint[], width: number, height: number, o: SkeletonOptions = {}): RgbImage {
  return drawOpenposeSkeletons([keypoints], width, height, o);
}

/** drawOpenposeSkeleton for several people on one hint, each drawn whole in turn (as OpenPose draws them). */
export function drawOpenposeSkeletons(people: readonly (readonly PoseKeypoint[])[], width: number, height: number, o: SkeletonOptions = {}): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (const keypoints of people) {
    const points = openposePoints(keypoints, o.minScore ?? 0.3);
    LIMBS.forEach(([i, j], limb) => {
      const a = points[i];
      const b = points[j];
      if (!a || !b) return;
      fillLimb(data, width, height, a, b, STICK_WIDTH, OPENPOSE_COLORS[limb].map((c) => Math.floor(c * LIMB_SHADE)));
    });
    points.forEach((p, i) => {
      if (p) fillLimb(data, width, height, p, p, POINT_RADIUS, OPENPOSE_COLORS[i]);
    });
  }
  return { data, width, height };
}
