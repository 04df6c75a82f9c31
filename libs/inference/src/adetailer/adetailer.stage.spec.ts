import * as path from 'node:path';
import sharp from 'sharp';
import { parseCreateJobRequest, type CreateJobRequest } from '@darkroom/contracts';
import { generateTinyLora, generateTinySd15 } from '@darkroom/testing';
import { checkpoint, makeTempDir, rawPixels, removeDir, runJob } from '../engine/engine.test-helper';
import { readPngText } from '../engine/png-text';
import type { RgbImage } from '../engine/vae';
import { BlazeFaceDetector } from '../detection/blazeface-detector';
import type { DetectionBox } from '../detection/detection-box';
import { FatalRunError, type RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';

const SAMPLES = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
/** Reach of ADetailer's mask blur (σ 4: OpenCV kernel radius ⌊2.5σ + 0.5⌋ = 10 pixels). */
const BLUR_REACH = 10;

/** A 320 × 256 picture of one woman's face (from the face-api demo photo sample1.jpg) and its bytes as PNG. */
async function facePicture(): Promise<{ png: Buffer; rgb: RgbImage }> {
  const png = await sharp(path.join(SAMPLES, 'sample1.jpg')).extract({ left: 250, top: 300, width: 500, height: 400 }).resize(320, 256).png().toBuffer();
  const { data, width, height } = await rawPixels(png);
  return { png, rgb: { data: new Uint8Array(data), width, height } };
}

/** INPUT_INITIALIZE (the face picture) + IMAGE_TO_ADETAILER with its own diffusion parameters. */
function adetailerJob(args: Record<string, unknown>[], init: Record<string, unknown> = {}, diffusion: Record<string, unknown> = {}): CreateJobRequest {
  const parsed = parseCreateJobRequest({
    requestId: 'adetailer-test',
    stages: [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 77, imageResourceId: 'face', ...init } },
      {
        type: 'IMAGE_TO_ADETAILER',
        imageToAdetailer: { args, diffusion: { prompts: [{ text: 'a photo of a face' }], steps: 10, sampler: 'Euler', ...diffusion } },
      },
    ],
  });
  if (!parsed.ok) throw new Error(`bad test request: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
}

/** Per-pixel |a − b| summed over channels, for images of one size. */
function pixelDiff(a: Uint8Array, b: Uint8Array, width: number, height: number): (x: number, y: number) => number {
  return (x, y) => {
    const i = (y * width + x) * 3;
    return Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
  };
}

describe('IMAGE_TO_ADETAILER stage', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let sd15: RunnerModel;
  let other: RunnerModel;
  let lora: RunnerModel;
  let picture: { png: Buffer; rgb: RgbImage };
  let face: DetectionBox;
  const notices: string[] = [];
  const unetCalls = () => runner.stats.byComponent.get('unet')?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'sd15'));
    await generateTinySd15(path.join(root, 'other'), { seed: 9 });
    await generateTinyLora(path.join(root, 'face-lora.safetensors'), { seed: 21 });
    sd15 = checkpoint(path.join(root, 'sd15'), '101', 'tiny-sd15');
    other = checkpoint(path.join(root, 'other'), '102', 'tiny-other');
    lora = { id: '201', kind: 'LORA', name: 'face-lora', baseModel: 'SD1', path: path.join(root, 'face-lora.safetensors') };
    picture = await facePicture();
    const detector = await BlazeFaceDetector.load('full');
    [face] = await detector.detect(picture.rgb, 0.3);
    runner = createOnnxJobRunner({ intraOpThreads: 1, previewEveryMs: -1, onNotice: (_, n) => notices.push(n) });
  }, 120_000);

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  beforeEach(() => {
    runner.stats.reset();
    notices.length = 0;
  });

  const run = async (request: CreateJobRequest, models: RunnerModel[] = [sd15, other, lora]) => {
    const { outputs, progress } = await runJob(runner, request, models, { resources: { face: picture.png } });
    const images = await Promise.all(outputs.map(async (o) => ({ ...(await rawPixels(o.data)), parameters: readPngText(o.data).parameters })));
    return { outputs, progress, images };
  };

  it('finds the face of the test picture (boxed by hand: about x 110–235, y 70–195)', () => {
    expect(face).toBeDefined();
    for (const [k, v] of [
      ['x1', 110],
      ['y1', 70],
      ['x2', 235],
      ['y2', 195],
    ] as const)
      expect(Math.abs(face[k] - v)).toBeLessThan(15);
  });

  it('repaints inside the dilated face box and keeps every pixel beyond the blurred mask edge', async () => {
    const dilate = 16;
    const { images, outputs, progress } = await run(adetailerJob([{ adModel: 'face_yolov8n.pt', adDilateErode: dilate, adDenoisingStrength: 0.6 }]));
    expect(outputs).toHaveLength(1);
    const out = images[0];
    expect([out.width, out.height]).toEqual([320, 256]);
    const diff = pixelDiff(picture.rgb.data, out.data, 320, 256);
    // The mask: the box's pixels grown by ⌊k/2⌋ right/bottom and k − 1 − ⌊k/2⌋ left/top, then blurred.
    const x1 = Math.floor(face.x1) - (dilate - 1 - dilate / 2) - BLUR_REACH;
    const y1 = Math.floor(face.y1) - (dilate - 1 - dilate / 2) - BLUR_REACH;
    const x2 = Math.ceil(face.x2) + dilate / 2 + BLUR_REACH;
    const y2 = Math.ceil(face.y2) + dilate / 2 + BLUR_REACH;
    let outsideChanged = 0;
    let insideSum = 0;
    let inside = 0;
    for (let y = 0; y < 256; y++)
      for (let x = 0; x < 320; x++) {
        if (x < x1 || x >= x2 || y < y1 || y >= y2) outsideChanged += diff(x, y) ? 1 : 0;
        else if (x >= face.x1 && x < face.x2 && y >= face.y1 && y < face.y2) {
          insideSum += diff(x, y);
          inside++;
        }
      }
    expect(outsideChanged).toBe(0);
    // The tiny model paints noise-like colours: the face box changes a lot.
    expect(insideSum / inside).toBeGreaterThan(30);
    expect(out.parameters).toContain('ADetailer model: face_yolov8n.pt');
    expect(out.parameters).toContain('ADetailer dilate erode: 16');
    expect(out.parameters).toContain('ADetailer denoising strength: 0.6');
    // Euler, 10 steps at strength 0.6: ⌊0.6 · 10⌋ + 1 = 7 steps, one UNet call each.
    expect(unetCalls()).toBe(7);
    expect(progress.at(-1)!.images[0].progress).toBe(100);
  });

  it('grows and shrinks the repainted area with adDilateErode', async () => {
    const changed = async (value: number) => {
      const { images } = await run(adetailerJob([{ adModel: 'face_yolov8n.pt', adDilateErode: value, adDenoisingStrength: 0.6 }]));
      const diff = pixelDiff(picture.rgb.data, images[0].data, 320, 256);
      let count = 0;
      let band = 0;
      for (let y = 0; y < 256; y++)
        for (let x = 0; x < 320; x++) {
          if (!diff(x, y)) continue;
          count++;
          // A band right of the box, beyond the undilated mask's blur but inside the 16-dilated mask's.
          if (x >= Math.ceil(face.x2) + BLUR_REACH + 1 && x < Math.ceil(face.x2) + BLUR_REACH + 5 && y > face.y1 + 20 && y < face.y2 - 20) band++;
        }
      return { count, band };
    };
    const eroded = await changed(-16);
    const plain = await changed(0);
    const dilated = await changed(16);
    expect(eroded.count).toBeLessThan(plain.count);
    expect(plain.count).toBeLessThan(dilated.count);
    expect(plain.band).toBe(0);
    expect(dilated.band).toBeGreaterThan(0);
  });

  it('leaves the picture untouched when no face reaches adConfidence', async () => {
    const { images } = await run(adetailerJob([{ adModel: 'face_yolov8n.pt', adConfidence: Math.min(1, face.score + 0.02) }]));
    expect(Buffer.compare(Buffer.from(images[0].data), Buffer.from(picture.rgb.data))).toBe(0);
    expect(unetCalls()).toBe(0);
    expect(notices.some((n) => n.includes('nothing detected'))).toBe(true);
  });

  it('"Merge and Invert" repaints everything but the face', async () => {
    const { images } = await run(adetailerJob([{ adModel: 'face_yolov8n.pt', adMaskMergeInvert: 'Merge and Invert', adDilateErode: 0, adDenoisingStrength: 0.6 }]));
    const diff = pixelDiff(picture.rgb.data, images[0].data, 320, 256);
    let faceChanged = 0;
    for (let y = Math.ceil(face.y1) + BLUR_REACH; y < Math.floor(face.y2) - BLUR_REACH; y++)
      for (let x = Math.ceil(face.x1) + BLUR_REACH; x < Math.floor(face.x2) - BLUR_REACH; x++) faceChanged += diff(x, y) ? 1 : 0;
    expect(faceChanged).toBe(0);
    let cornerSum = 0;
    for (let y = 0; y < 40; y++) for (let x = 0; x < 60; x++) cornerSum += diff(x, y);
    expect(cornerSum / 2400).toBeGreaterThan(30);
  });

  it('whole-picture inpainting and a custom inpaint size keep the size and the pixels outside the mask', async () => {
    for (const arg of [
      { adInpaintOnlyMasked: false },
      { adUseInpaintWidthHeight: true, adInpaintWidth: 128, adInpaintHeight: 192, adInpaintOnlyMaskedPadding: 8 },
    ]) {
      const { images } = await run(adetailerJob([{ adModel: 'mediapipe_face_full', adDilateErode: 0, ...arg }]));
      expect([images[0].width, images[0].height]).toEqual([320, 256]);
      const diff = pixelDiff(picture.rgb.data, images[0].data, 320, 256);
      let outsideChanged = 0;
      let insideSum = 0;
      for (let y = 0; y < 256; y++)
        for (let x = 0; x < 320; x++) {
          const beyond = x < face.x1 - BLUR_REACH - 1 || x >= face.x2 + BLUR_REACH + 1 || y < face.y1 - BLUR_REACH - 1 || y >= face.y2 + BLUR_REACH + 1;
          if (beyond) outsideChanged += diff(x, y) ? 1 : 0;
          else insideSum += diff(x, y);
        }
      expect(outsideChanged).toBe(0);
      expect(insideSum).toBeGreaterThan(0);
    }
  });

  it('uses the job prompts when adPrompt is empty, its own otherwise', async () => {
    const base = { adModel: 'face_yolov8n.pt', adDenoisingStrength: 0.6 };
    const empty = await run(adetailerJob([{ ...base, adPrompt: [{ text: '' }] }]));
    const same = await run(adetailerJob([{ ...base, adPrompt: [{ text: 'a photo of a face' }] }]));
    const own = await run(adetailerJob([{ ...base, adPrompt: [{ text: 'a red clown nose' }], adNegativePrompt: [{ text: 'blurry' }] }]));
    expect(Buffer.compare(Buffer.from(empty.images[0].data), Buffer.from(same.images[0].data))).toBe(0);
    expect(Buffer.compare(Buffer.from(own.images[0].data), Buffer.from(same.images[0].data))).not.toBe(0);
    expect(own.images[0].parameters).toContain('ADetailer prompt: a red clown nose, ADetailer negative prompt: blurry');
  });

  it('gives each detection its part of a "[SEP]" prompt, and reads "[PROMPT]" as the job prompt', async () => {
    // The face twice, side by side: two detections, inpainted in turn.
    const twice = await sharp({ create: { width: 640, height: 256, channels: 3, background: '#808080' } })
      .composite([{ input: picture.png, left: 0, top: 0 }, { input: picture.png, left: 320, top: 0 }])
      .png()
      .toBuffer();
    const runTwice = async (adPrompt: string) => {
      const { outputs } = await runJob(runner, adetailerJob([{ adModel: 'face_yolov8n.pt', adDenoisingStrength: 0.6, adPrompt: [{ text: adPrompt }] }], { imageResourceId: 'twice' }), [sd15], {
        resources: { twice },
      });
      return (await rawPixels(outputs[0].data)).data;
    };
    const same = await runTwice('a photo of a face');
    const split = await runTwice('a photo of a face [SEP] a red clown nose');
    // Only one of the two faces changed: every differing pixel is on one side.
    const changedOn = new Set<number>();
    for (let y = 0; y < 256; y++) for (let x = 0; x < 640; x++) if (pixelDiff(same, split, 640, 256)(x, y) > 0) changedOn.add(x < 320 ? 0 : 1);
    expect(changedOn.size).toBe(1);
    // "[PROMPT]" is the job prompt: the same bytes as writing it out.
    expect(Buffer.compare(Buffer.from(await runTwice('[PROMPT]')), Buffer.from(same))).toBe(0);
    // A part past the last serves the rest: one part equals that part for every detection.
    expect(Buffer.compare(Buffer.from(await runTwice('a photo of a face [SEP] a photo of a face')), Buffer.from(same))).toBe(0);
  });

  it('honours the override switches only when they are on', async () => {
    const base = { adModel: 'face_yolov8n.pt', adDenoisingStrength: 0.5 };
    const plain = await run(adetailerJob([base]));
    const plainCalls = unetCalls();
    expect(plainCalls).toBe(6);
    // Values without their switch change nothing.
    const off = await run(adetailerJob([{ ...base, adSteps: 30, adCfgScale: 2, adCheckpoint: 'tiny-other', adSampler: 'DDIM', adClipSkip: 2, adNoiseMultiplier: 0.5 }]));
    expect(Buffer.compare(Buffer.from(off.images[0].data), Buffer.from(plain.images[0].data))).toBe(0);
    runner.stats.reset();
    await run(adetailerJob([{ ...base, adUseSteps: true, adSteps: 30 }]));
    expect(unetCalls()).toBe(16);
    for (const on of [
      { adUseCfgScale: true, adCfgScale: 2 },
      { adUseCheckpoint: true, adCheckpoint: 'tiny-other' },
      { adUseSampler: true, adSampler: 'DDIM' },
      { adUseClipSkip: true, adClipSkip: 2 },
      { adUseNoiseMultiplier: true, adNoiseMultiplier: 0.5 },
    ]) {
      const r = await run(adetailerJob([{ ...base, ...on }]));
      expect(Buffer.compare(Buffer.from(r.images[0].data), Buffer.from(plain.images[0].data))).not.toBe(0);
    }
    expect(runner.heldModels()).toContain('102');
    // A multiplier of 1 is the seed's noise as drawn.
    const unit = await run(adetailerJob([{ ...base, adUseNoiseMultiplier: true, adNoiseMultiplier: 1 }]));
    expect(Buffer.compare(Buffer.from(unit.images[0].data), Buffer.from(plain.images[0].data))).toBe(0);
    expect(unit.images[0].parameters).toContain('ADetailer noise multiplier: 1');
  });

  it('applies a per-arg LoRA', async () => {
    const base = { adModel: 'face_yolov8n.pt', adDenoisingStrength: 0.5 };
    const plain = await run(adetailerJob([base]));
    const withLora = await run(adetailerJob([{ ...base, lora: { items: [{ loraModel: 'face-lora', weight: 1 }] } }]));
    expect(Buffer.compare(Buffer.from(withLora.images[0].data), Buffer.from(plain.images[0].data))).not.toBe(0);
  });

  it('runs several args in order, each on the previous result, and every image of the job with its own seed', async () => {
    // The tiny model paints noise over the face, so a second face pass at a strict confidence finds nothing on the
    // first pass's result, while alone on the photo it finds the face.
    expect(face.score).toBeGreaterThan(0.85);
    const args = [
      { adModel: 'face_yolov8n.pt', adDenoisingStrength: 0.3 },
      { adModel: 'mediapipe_face_full', adDenoisingStrength: 0.3, adConfidence: 0.8 },
    ];
    const { images } = await run(adetailerJob(args, { count: 2 }));
    expect(images).toHaveLength(2);
    expect(Buffer.compare(Buffer.from(images[0].data), Buffer.from(images[1].data))).not.toBe(0);
    expect(images[0].parameters).toContain('ADetailer model 2nd: mediapipe_face_full');
    expect(images[0].parameters).toContain('ADetailer confidence 2nd: 0.8');
    expect(images[0].parameters).toContain('Seed: 77');
    expect(images[1].parameters).toContain('Seed: 78');
    // Euler, 10 steps at strength 0.3: 4 steps per region; 2 images × the first arg's face.
    expect(unetCalls()).toBe(8);
    expect(notices.filter((n) => n.includes('ADetailer 2 (mediapipe_face_full): nothing detected'))).toHaveLength(2);
    runner.stats.reset();
    const second = await run(adetailerJob([args[1]]));
    expect(unetCalls()).toBe(4);
    const first = await run(adetailerJob([args[0]], { count: 2 }));
    // The second arg found nothing, so the chain's result is the first arg's.
    expect(Buffer.compare(Buffer.from(first.images[1].data), Buffer.from(images[1].data))).toBe(0);
    expect(Buffer.compare(Buffer.from(second.images[0].data), Buffer.from(picture.rgb.data))).not.toBe(0);
  });

  it('follows a DIFFUSION stage: uses its parameters and passes a faceless image through with the ADetailer infotext', async () => {
    const stages = (withAdetailer: boolean) => {
      const parsed = parseCreateJobRequest({
        requestId: 'adetailer-chain',
        stages: [
          { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 3 } },
          { type: 'DIFFUSION', diffusion: { prompts: [{ text: 'a landscape' }], steps: 3, sampler: 'Euler' } },
          ...(withAdetailer ? [{ type: 'IMAGE_TO_ADETAILER', imageToAdetailer: { args: [{ adModel: 'face_yolov8n.pt', adConfidence: 0.6 }] } }] : []),
        ],
      });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      const d = parsed.value.stages[1].diffusion!;
      d.width = 256;
      d.height = 192;
      return parsed.value;
    };
    const plain = await run(stages(false));
    const chained = await run(stages(true));
    expect(chained.outputs[0].stageIndex).toBe(2);
    expect([chained.images[0].width, chained.images[0].height]).toEqual([256, 192]);
    expect(Buffer.compare(Buffer.from(chained.images[0].data), Buffer.from(plain.images[0].data))).toBe(0);
    expect(chained.images[0].parameters).toContain('a landscape');
    expect(chained.images[0].parameters).toMatch(/Size: 256x192, .*ADetailer model: face_yolov8n.pt, ADetailer confidence: 0.6.*Version/);
  });

  it('refuses unsupported detectors before any step', async () => {
    await expect(run(adetailerJob([{ adModel: 'face_yolov8n.pt' }, { adModel: 'hand_yolov8n.pt' }]))).rejects.toThrow(FatalRunError);
    await expect(run(adetailerJob([{ adModel: 'hand_yolov8n.pt' }]))).rejects.toThrow(/adModel "hand_yolov8n.pt" is not supported \(no hand detector.*supported: face_yolov8n.pt/);
    expect(unetCalls()).toBe(0);
  });
});
