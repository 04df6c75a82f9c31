import * as path from 'node:path';
import sharp from 'sharp';
import { AuxiliarySessions } from '../../engine/auxiliary-sessions';
import type { RgbImage } from '../../engine/vae';
import { estimatePose, type PoseKeypoint } from './openpose-movenet';
import { drawOpenposeSkeleton, OPENPOSE_COLORS } from './openpose-skeleton';
import { resolvePreprocessor, resolvePreprocessorParams } from './preprocessor-registry';

const SAMPLE1 = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');

/** The right-hand woman of the face-api demo photo sample1.jpg, cropped to 600 × 1180 (she faces the camera). */
async function person(): Promise<RgbImage> {
  const { data, info } = await sharp(SAMPLE1).extract({ left: 1300, top: 100, width: 600, height: 1180 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const pixel = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((Math.round(y) * img.width + Math.round(x)) * 3, (Math.round(y) * img.width + Math.round(x)) * 3 + 3));

describe('openpose preprocessor (MoveNet + OpenPose skeleton)', () => {
  let photo: RgbImage;
  let pose: PoseKeypoint[];
  const at = (name: string) => pose.find((k) => k.name === name)!;

  beforeAll(async () => {
    photo = await person();
    pose = await estimatePose(photo);
  }, 60_000);

  it('finds the body keypoints where they are in the photo (checked by eye on the picture)', () => {
    expect(pose).toHaveLength(17);
    // Nose: the face's centre (BlazeFace box of this face: x 191–341, y 170–321 in the crop).
    expect(at('nose').score).toBeGreaterThan(0.3);
    expect(Math.hypot(at('nose').x - 266, at('nose').y - 245)).toBeLessThan(45);
    for (const name of ['left_shoulder', 'right_shoulder', 'left_elbow', 'left_wrist']) expect(at(name).score).toBeGreaterThan(0.3);
    // Facing the camera: her right shoulder is on the image's left; shoulders below the nose, elbow below them.
    expect(at('right_shoulder').x).toBeLessThan(at('left_shoulder').x);
    expect(at('right_shoulder').y).toBeGreaterThan(at('nose').y);
    expect(at('left_shoulder').y).toBeGreaterThan(at('nose').y);
    expect(at('left_elbow').y).toBeGreaterThan(at('left_shoulder').y);
    // Her left wrist with the bracelet, near the bottom left (about x 100, y 1085).
    expect(Math.hypot(at('left_wrist').x - 100, at('left_wrist').y - 1085)).toBeLessThan(80);
  });

  it('draws limbs at 60 % of their OpenPose colour and joints at full colour on black', () => {
    const kp = (name: PoseKeypoint['name'], x: number, y: number, score = 0.9): PoseKeypoint => ({ name, x, y, score });
    const keypoints = [kp('nose', 100, 40), kp('left_shoulder', 140, 100), kp('right_shoulder', 60, 100), kp('right_elbow', 50, 170), kp('left_elbow', 150, 170, 0.1)];
    const hint = drawOpenposeSkeleton(keypoints, 200, 200);
    const shade = (i: number) => OPENPOSE_COLORS[i].map((c) => Math.floor(c * 0.6));
    // Limb 0 neck → right shoulder (neck = (100, 100)), limb 1 neck → left shoulder, limb 2 right shoulder → elbow.
    expect(pixel(hint, 80, 100)).toEqual(shade(0));
    expect(pixel(hint, 120, 100)).toEqual(shade(1));
    expect(pixel(hint, 55, 135)).toEqual(shade(2));
    // Limb 12 neck → nose.
    expect(pixel(hint, 100, 70)).toEqual(shade(12));
    // Joints: nose (point 0), right shoulder (point 2) at full colour.
    expect(pixel(hint, 100, 40)).toEqual([...OPENPOSE_COLORS[0]]);
    expect(pixel(hint, 60, 100)).toEqual([...OPENPOSE_COLORS[2]]);
    // The left elbow is under the threshold: no limb 4 and no point 6; far pixels stay black.
    expect(pixel(hint, 145, 135)).toEqual([0, 0, 0]);
    expect(pixel(hint, 150, 170)).toEqual([0, 0, 0]);
    expect(pixel(hint, 10, 190)).toEqual([0, 0, 0]);
  });

  it('turns the photo into a skeleton hint through the preprocessor registry', async () => {
    const pre = resolvePreprocessor('openpose');
    expect(pre.name).toBe('openpose');
    const hint = await pre.run(photo, resolvePreprocessorParams(pre, {}), { sessions: new AuxiliarySessions() });
    // MoveNet MultiPose sees one person here, so the hint is drawn from the single-pose model's keypoints (above).
    expect([hint.width, hint.height]).toEqual([photo.width, photo.height]);
    // Along the neck → shoulder limbs the hint has the limb colours; most of the picture is black.
    const neck = { x: (at('left_shoulder').x + at('right_shoulder').x) / 2, y: (at('left_shoulder').y + at('right_shoulder').y) / 2 };
    const mid = (p: { x: number; y: number }) => ({ x: (neck.x + p.x) / 2, y: (neck.y + p.y) / 2 });
    expect(pixel(hint, mid(at('right_shoulder')).x, mid(at('right_shoulder')).y)).toEqual([153, 0, 0]);
    expect(pixel(hint, mid(at('left_shoulder')).x, mid(at('left_shoulder')).y)).toEqual([153, 51, 0]);
    let lit = 0;
    for (let i = 0; i < hint.width * hint.height; i++) if (hint.data[i * 3] || hint.data[i * 3 + 1] || hint.data[i * 3 + 2]) lit++;
    expect(lit).toBeGreaterThan(1000);
    expect(lit / (hint.width * hint.height)).toBeLessThan(0.1);
    expect(pixel(hint, 590, 10)).toEqual([0, 0, 0]);
    // A stricter keypoint threshold (threshold_a) leaves out every less certain point and its limbs.
    const strictParams = resolvePreprocessorParams(pre, { threshold_a: 0.99 });
    expect(strictParams.keypoint_threshold).toBe(0.99);
    expect(drawOpenposeSkeleton(pose, photo.width, photo.height, { minScore: 0.99 }).data.some((v) => v !== 0)).toBe(false);
  });

  it('finds and draws everyone in a group photo (MoveNet MultiPose): a nose in each face', async () => {
    const { data, info } = await sharp(SAMPLE1).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const group: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height };
    const pre = resolvePreprocessor('openpose');
    const hint = await pre.run(group, resolvePreprocessorParams(pre, {}), { sessions: new AuxiliarySessions() });
    // The three faces of sample1.jpg as libs/inference/src/detection/detection.spec.ts boxes them: each holds a
    // nose (point 0, drawn at full colour), so all three people were found and drawn.
    const faces = [
      { x1: 420, y1: 406, x2: 618, y2: 604 },
      { x1: 850, y1: 472, x2: 1025, y2: 646 },
      { x1: 1491, y1: 270, x2: 1641, y2: 421 },
    ];
    const nose = [...OPENPOSE_COLORS[0]];
    for (const f of faces) {
      let found = false;
      for (let y = f.y1; y <= f.y2 && !found; y++) for (let x = f.x1; x <= f.x2 && !found; x++) found = pixel(hint, x, y).every((c, i) => c === nose[i]);
      expect(found).toBe(true);
    }
  }, 60_000);
});
