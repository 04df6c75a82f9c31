import * as path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../engine/vae';
import { FatalRunError } from '../runner/job-runner';
import { BlazeFaceDetector } from './blazeface-detector';
import { masksFromBoxes } from './box-masks';
import { intersectionOverUnion, type DetectionBox } from './detection-box';
import { detectorFor, detectorVariantFor, SUPPORTED_AD_MODELS } from './detector-catalogue';
import { mergeInvert } from './mask-merge';
import { dilateErode } from './mask-morphology';
import { weightedNonMaxSuppression } from './weighted-nms';

const SAMPLES = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

async function photo(name: string, crop?: { left: number; top: number; width: number; height: number }): Promise<RgbImage> {
  let s = sharp(path.join(SAMPLES, name));
  if (crop) s = s.extract(crop);
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** The three faces of sample1.jpg (1920 × 1280), boxed by hand on the picture: left, middle, right woman. */
const SAMPLE1_FACES = [
  { x1: 420, y1: 406, x2: 618, y2: 604 },
  { x1: 850, y1: 472, x2: 1025, y2: 646 },
  { x1: 1491, y1: 270, x2: 1641, y2: 421 },
];
const TOLERANCE = 30;

const box = (x1: number, y1: number, x2: number, y2: number, score = 1): DetectionBox => ({ x1, y1, x2, y2, score });

describe('BlazeFace detector on real photos', () => {
  let full: BlazeFaceDetector;
  let short: BlazeFaceDetector;
  let sample1: RgbImage;

  beforeAll(async () => {
    [full, short, sample1] = await Promise.all([BlazeFaceDetector.load('full'), BlazeFaceDetector.load('short'), photo('sample1.jpg')]);
  });

  it('finds the three faces of a group photo with boxes where the faces are', async () => {
    const faces = await full.detect(sample1, 0.5);
    expect(faces).toHaveLength(3);
    for (const expected of SAMPLE1_FACES) {
      const found = faces.find((f) => intersectionOverUnion(f, { ...expected, score: 1 }) > 0.6);
      expect(found).toBeDefined();
      for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(Math.abs(found![k] - expected[k])).toBeLessThan(TOLERANCE);
      // Landmarks: eyes above the mouth (the right-hand woman tilts her head, so not necessarily above the middle).
      const [rightEye, leftEye, , mouth] = found!.keypoints!;
      expect(Math.max(rightEye.y, leftEye.y)).toBeLessThan(mouth.y);
      for (const p of [rightEye, leftEye, mouth]) expect(p.y > found!.y1 && p.y < found!.y2).toBe(true);
      for (const p of [rightEye, leftEye, mouth]) expect(p.x > found!.x1 && p.x < found!.x2).toBe(true);
    }
    expect(faces.map((f) => f.score)).toEqual([...faces.map((f) => f.score)].sort((a, b) => b - a));
  });

  it('drops faces under the confidence threshold', async () => {
    const all = await full.detect(sample1, 0.5);
    const scores = all.map((f) => f.score);
    // Between the best and the second best score: only the best face is left.
    const between = (scores[0] + scores[1]) / 2;
    const strict = await full.detect(sample1, between);
    expect(strict).toHaveLength(1);
    expect(intersectionOverUnion(strict[0], all[0])).toBeGreaterThan(0.9);
    expect(await full.detect(sample1, Math.min(0.999, scores[0] + 0.01))).toHaveLength(0);
    // A threshold of 0 keeps every anchor's candidate (many more boxes, the faces among them).
    expect((await full.detect(sample1, 0)).length).toBeGreaterThan(3);
  });

  it('finds a close-up face with both models, in image coordinates of a non-square crop', async () => {
    const crop = { left: 330, top: 300, width: 380, height: 420 };
    const close = await photo('sample1.jpg', crop);
    const expected = box(SAMPLE1_FACES[0].x1 - crop.left, SAMPLE1_FACES[0].y1 - crop.top, SAMPLE1_FACES[0].x2 - crop.left, SAMPLE1_FACES[0].y2 - crop.top);
    for (const detector of [full, short]) {
      const faces = await detector.detect(close, 0.5);
      expect(faces.length).toBeGreaterThanOrEqual(1);
      expect(intersectionOverUnion(faces[0], expected)).toBeGreaterThan(0.6);
    }
  });

  it('finds nothing in a plain grey picture', async () => {
    const grey: RgbImage = { data: new Uint8Array(300 * 200 * 3).fill(128), width: 300, height: 200 };
    expect(await full.detect(grey, 0.3)).toEqual([]);
  });
});

describe('ADetailer model names', () => {
  it('maps the face models to BlazeFace variants', async () => {
    expect(detectorVariantFor('face_yolov8n.pt')).toBe('full');
    expect(detectorVariantFor('FACE_YOLOV8S.PT')).toBe('full');
    expect(detectorVariantFor('mediapipe_face_short')).toBe('short');
    expect((await detectorFor('mediapipe_face_full')).label).toBe('BlazeFace full-range');
  });

  it('refuses hand, person and unknown models with the supported list', () => {
    for (const [name, why] of [
      ['hand_yolov8n.pt', 'no hand detector'],
      ['person_yolov8n-seg.pt', 'no person/object detector'],
      ['my_detector.pt', 'not supported;'],
    ]) {
      let error: unknown;
      try {
        detectorVariantFor(name);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FatalRunError);
      expect((error as Error).message).toContain(`adModel "${name}"`);
      expect((error as Error).message).toContain(why);
      expect((error as Error).message).toContain(SUPPORTED_AD_MODELS.join(', '));
    }
  });
});

describe('weighted NMS', () => {
  it('blends overlapping candidates by score and keeps separate objects apart', () => {
    const out = weightedNonMaxSuppression([box(0, 0, 10, 10, 0.9), box(2, 0, 12, 10, 0.3), box(50, 50, 60, 60, 0.5)]);
    expect(out).toHaveLength(2);
    expect(out[0].score).toBe(0.9);
    expect(out[0].x1).toBeCloseTo((0 * 0.9 + 2 * 0.3) / 1.2, 6);
    expect(out[0].x2).toBeCloseTo((10 * 0.9 + 12 * 0.3) / 1.2, 6);
    expect(out[1]).toMatchObject({ x1: 50, y1: 50, x2: 60, y2: 60, score: 0.5 });
  });
});

describe('masks from boxes', () => {
  const W = 40;
  const H = 30;
  /** [x1, x2) × [y1, y2) of the set pixels, or null. */
  const extent = (m: { data: Uint8Array; width: number; height: number }) => {
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -1;
    let y2 = -1;
    let count = 0;
    for (let y = 0; y < m.height; y++)
      for (let x = 0; x < m.width; x++)
        if (m.data[y * m.width + x]) {
          count++;
          x1 = Math.min(x1, x);
          y1 = Math.min(y1, y);
          x2 = Math.max(x2, x + 1);
          y2 = Math.max(y2, y + 1);
        }
    return count ? { x1, y1, x2, y2, filled: count === (x2 - x1) * (y2 - y1) } : null;
  };

  it('covers every pixel a fractional box touches, clipped to the image', () => {
    const [a, b] = masksFromBoxes([box(10.4, 5.6, 20.2, 12), box(-5, 25, 50, 40)], W, H);
    expect(extent(a)).toEqual({ x1: 10, y1: 5, x2: 21, y2: 12, filled: true });
    expect(extent(b)).toEqual({ x1: 0, y1: 25, x2: 40, y2: 30, filled: true });
    expect(new Set(a.data)).toEqual(new Set([0, 255]));
  });

  it('dilates and erodes with a square kernel, OpenCV anchor', () => {
    const [m] = masksFromBoxes([box(10, 10, 20, 20)], W, H);
    expect(extent(dilateErode(m, 4))).toEqual({ x1: 9, y1: 9, x2: 22, y2: 22, filled: true });
    expect(extent(dilateErode(m, 5))).toEqual({ x1: 8, y1: 8, x2: 22, y2: 22, filled: true });
    expect(extent(dilateErode(m, -4))).toEqual({ x1: 12, y1: 12, x2: 19, y2: 19, filled: true });
    expect(extent(dilateErode(m, -3))).toEqual({ x1: 11, y1: 11, x2: 19, y2: 19, filled: true });
    expect(dilateErode(m, 0)).toBe(m);
    expect(dilateErode(m, 1)).toBe(m);
    // Erosion far beyond the box empties it; the border does not erode a box touching it.
    expect(extent(dilateErode(m, -12))).toBeNull();
    const [edge] = masksFromBoxes([box(0, 0, 8, 8)], W, H);
    expect(extent(dilateErode(edge, -3))).toEqual({ x1: 0, y1: 0, x2: 7, y2: 7, filled: true });
  });

  it('merges and inverts: None keeps each, Merge unites, Merge and Invert repaints the rest; empties dropped', () => {
    const masks = masksFromBoxes([box(0, 0, 10, 10), box(20, 0, 30, 10), box(0, 0, 0, 0)], W, H);
    expect(mergeInvert(masks, 'None')).toHaveLength(2);
    const [merged] = mergeInvert(masks, 'Merge');
    expect(merged.data.filter((v) => v === 255).length).toBe(200);
    const [inverted] = mergeInvert(masks, 'Merge and Invert');
    expect(inverted.data.filter((v) => v === 255).length).toBe(W * H - 200);
    expect(inverted.data[0]).toBe(0);
    expect(inverted.data[15]).toBe(255);
    expect(mergeInvert([], 'Merge and Invert')).toEqual([]);
    expect(mergeInvert(masksFromBoxes([box(0, 0, W, H)], W, H), 'Merge and Invert')).toEqual([]);
  });
});
