import { parseCreateJobRequest } from './create-job.parser';
import {
  adetailerStage,
  animateStage,
  diffusionStage,
  getAt,
  inpaintStage,
  inputStage,
  issuesOf,
  job,
  Json,
  setAt,
  upscalerStage,
  valueOf,
} from '../testing/job-fixtures.test-util';

/** A valid job and the stage index the field paths below are relative to. */
interface Template {
  body: Record<string, Json>;
  stage: number;
}

const T = {
  input: { body: job(inputStage(), diffusionStage()), stage: 0 },
  diffusion: { body: job(diffusionStage()), stage: 0 },
  controlnet: { body: job(diffusionStage({ controlnet: { args: [{ preprocessor: 'canny', model: 'cn' }] } })), stage: 0 },
  lora: { body: job(diffusionStage({ lora: { items: [{ loraModel: 'l' }] } })), stage: 0 },
  embedding: { body: job(diffusionStage({ embedding: { items: [{ model: 'e' }] } })), stage: 0 },
  layer: { body: job(diffusionStage({ layerDiffusion: { enable: true } })), stage: 0 },
  animate: { body: job(animateStage()), stage: 0 },
  upscaler: { body: job(diffusionStage(), upscalerStage()), stage: 1 },
  upscalerResize: { body: job(diffusionStage(), upscalerStage({ hrResizeX: 1024, hrResizeY: 1024 })), stage: 1 },
  adetailer: { body: job(diffusionStage(), adetailerStage()), stage: 1 },
  inpaint: { body: job(diffusionStage(), inpaintStage()), stage: 1 },
} satisfies Record<string, Template>;

/**
 * [template, field path in the stage, accepted values (inside and on the bounds), refused values with the rule].
 * An accepted value is read back as the number (or value) it means.
 */
type Case = [Template, string, Json[], Array<[Json, string]>];

const CN = 'diffusion.controlnet.args[0]';
const LORA = 'diffusion.lora.items[0]';
const AD = 'imageToAdetailer.args[0]';

const cases: Case[] = [
  // inputInitialize
  [T.input, 'inputInitialize.seed', [1, 4294967295, '4294967295', 123456789], [[4294967296, 'max'], [-2, 'min'], [1.5, 'integer']]],
  [T.input, 'inputInitialize.count', [1, 2, 4], [[5, 'max'], [-1, 'min'], [2.5, 'integer']]],
  [T.input, 'inputInitialize.imageResourceId', ['img-1', 'x'.repeat(128)], [['x'.repeat(129), 'max_length'], [5, 'type']]],
  // diffusion
  [T.diffusion, 'diffusion.width', [512, 576, 1536], [[448, 'min'], [1600, 'max'], [520, 'multiple_of'], [513.5, 'integer'], [-64, 'min']]],
  [T.diffusion, 'diffusion.height', [512, 1024, 1536], [[511, 'min'], [1537, 'max'], [600, 'multiple_of']]],
  [T.diffusion, 'diffusion.steps', [1, 30, 60], [[61, 'max'], [-1, 'min'], [1.5, 'integer']]],
  [T.diffusion, 'diffusion.cfgScale', [0.5, 7.5, 30], [[30.01, 'max'], [-0.1, 'min']]],
  [T.diffusion, 'diffusion.clipSkip', [1, 12], [[13, 'max'], [-1, 'min']]],
  [T.diffusion, 'diffusion.denoisingStrength', [0, 0.5, 1], [[1.01, 'max'], [-0.01, 'min']]],
  [T.diffusion, 'diffusion.etaNoiseSeedDelta', [1, 2147483647], [[2147483648, 'max'], [-1, 'min']]],
  [T.diffusion, 'diffusion.sdModel', ['123456789012345678', 'dreamshaper', 'x'.repeat(128)], [['x'.repeat(129), 'max_length'], [12, 'type']]],
  [T.diffusion, 'diffusion.sdVae', ['vae-ft-mse', 'x'.repeat(128)], [['x'.repeat(129), 'max_length']]],
  [T.diffusion, 'diffusion.sampler', ['DPM++ 2M Karras', 'x'.repeat(64)], [['x'.repeat(65), 'max_length']]],
  [T.diffusion, 'diffusion.scheduleName', ['karras', 'x'.repeat(32)], [['x'.repeat(33), 'max_length']]],
  [T.diffusion, 'diffusion.clipEncoderName', ['x'.repeat(64)], [['x'.repeat(65), 'max_length']]],
  [T.diffusion, 'diffusion.modelAccessKey', ['k'.repeat(256)], [['k'.repeat(257), 'max_length']]],
  [T.diffusion, 'diffusion.v1Clip', [true, false], [['true', 'type'], [1, 'type']]],
  [T.diffusion, 'diffusion.enableElla', [true], [['yes', 'type']]],
  [T.diffusion, 'diffusion.enablePix2pix', [true], [[0, 'type']]],
  [T.diffusion, 'diffusion.useHunyuanDit', [true], [['no', 'type']]],
  [T.diffusion, 'diffusion.prompts[0].text', ['x'.repeat(10_000), 'a'], [['x'.repeat(10_001), 'max_length'], [1, 'type']]],
  [T.diffusion, 'diffusion.prompts[0].weight', [-10, 0.5, 10], [[10.5, 'max'], [-10.5, 'min']]],
  [T.diffusion, 'diffusion.prompts', [[{ text: 'a' }], Array.from({ length: 150 }, () => ({ text: 'a' }))], [[[], 'min_items'], [Array.from({ length: 151 }, () => ({ text: 'a' })), 'max_items'], ['a cat', 'type']]],
  [T.diffusion, 'diffusion.negativePrompts', [[], Array.from({ length: 150 }, () => ({ text: 'a' }))], [[Array.from({ length: 151 }, () => ({ text: 'a' })), 'max_items']]],
  [T.diffusion, 'diffusion.controlnet.args', [[]], [[Array.from({ length: 9 }, () => ({ preprocessor: 'c', model: 'm' })), 'max_items']]],
  [T.diffusion, 'diffusion.lora.items', [[]], [[Array.from({ length: 17 }, () => ({ loraModel: 'l' })), 'max_items']]],
  [T.diffusion, 'diffusion.embedding.items', [[]], [[Array.from({ length: 17 }, () => ({ model: 'e' })), 'max_items']]],
  // controlnet unit
  [T.controlnet, `${CN}.weight`, [0.01, 1.5, 2], [[2.01, 'max'], [-1, 'min']]],
  [T.controlnet, `${CN}.guidanceStart`, [0, 0.3, 1], [[1.1, 'max'], [-0.1, 'min']]],
  [T.controlnet, `${CN}.guidanceEnd`, [0.5, 1], [[1.5, 'max'], [-0.5, 'min']]],
  [T.controlnet, `${CN}.guidance`, [0, 1], [[2, 'max']]],
  [T.controlnet, `${CN}.preprocessor`, ['canny', 'x'.repeat(64)], [['x'.repeat(65), 'max_length'], ['', 'required']]],
  [T.controlnet, `${CN}.model`, ['control_v11p_sd15_canny'], [['', 'required'], [null, 'required']]],
  [T.controlnet, `${CN}.resizeMode`, ['JUST_RESIZE', 'RESIZE_AND_FILL'], [['JUST_RESIZE_LATENT_UPSCALE', 'enum'], [4, 'enum']]],
  [T.controlnet, `${CN}.controlMode`, ['BALANCED', 'CONTROLNET_IS_MORE_IMPORTANT'], [['LOUD', 'enum']]],
  [T.controlnet, `${CN}.pixelPerfect`, [true], [['1', 'type']]],
  [
    T.controlnet,
    `${CN}.preprocessorParams`,
    [{ a: 1, b: 'x', c: true }, Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, i]))],
    [
      [Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])), 'max_items'],
      [{ a: { nested: 1 } }, 'type'],
      [{ a: [1] }, 'type'],
      [{ a: null }, 'type'],
      ['x', 'type'],
    ],
  ],
  [T.controlnet, `${CN}.inputImageResourceId`, ['img-1'], [['x'.repeat(129), 'max_length']]],
  [T.controlnet, `${CN}.maskResourceId`, ['img-2'], [[7, 'type']]],
  // lora
  [T.lora, `${LORA}.weight`, [-5, 0.8, 5], [[5.5, 'max'], [-5.5, 'min']]],
  [T.lora, `${LORA}.loraModel`, ['123', 'x'.repeat(128)], [['', 'required'], ['x'.repeat(129), 'max_length']]],
  [T.lora, `${LORA}.loraAccessKey`, ['key'], [[1, 'type']]],
  [
    T.lora,
    `${LORA}.blockWeight`,
    [
      '1:lbw=1,1,1,1,1,1,1,1,1,1,1,1',
      '0.5:lbw=1,1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0',
      '-1:lbw=1,0.5,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0,0,0',
      '1:lbw=1,1,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0',
    ],
    [
      ['1:lbw=1,1,1', 'block_weight'],
      ['1:lbw=1,1,1,1,1,1,1,1,1,1,1,1,1', 'block_weight'],
      ['lbw=1,1,1,1,1,1,1,1,1,1,1,1', 'block_weight'],
      ['1:lbw=1,1,1,1,1,1,1,1,1,1,1,x', 'block_weight'],
      ['1:lbw=1,1,1,1,1,1,1,1,1,1,1,', 'block_weight'],
      ['x'.repeat(1025), 'max_length'],
    ],
  ],
  [T.embedding, 'diffusion.embedding.items[0].model', ['easynegative'], [['', 'required']]],
  [T.embedding, 'diffusion.embedding.items[0].weight', [-10, 1.2, 10], [[11, 'max']]],
  [T.embedding, 'diffusion.embedding.items[0].embeddingAccessKey', ['k'], [[false, 'type']]],
  [T.layer, 'diffusion.layerDiffusion.weight', [0.5, 2], [[2.5, 'max'], [-1, 'min']]],
  [T.layer, 'diffusion.layerDiffusion.enable', [false, true], [['on', 'type']]],
  // animateDiff
  [T.animate, 'diffusion.animateDiff.args[0].videoLength', [1, 32, 64], [[65, 'max'], [-1, 'min'], [1.5, 'integer']]],
  [T.animate, 'diffusion.animateDiff.args[0].fps', [1, 60], [[61, 'max'], [-8, 'min']]],
  [T.animate, 'diffusion.animateDiff.args', [[{}]], [[[{}, {}], 'max_items']]],
  // imageToUpscaler
  [T.upscaler, 'imageToUpscaler.hrUpscaler', ['R-ESRGAN 4x+', 'x'.repeat(64)], [['', 'required'], ['x'.repeat(65), 'max_length']]],
  [T.upscaler, 'imageToUpscaler.hrScale', [0.01, 1.5, 8], [[8.01, 'max'], [-1, 'min']]],
  [T.upscaler, 'imageToUpscaler.hrSecondPassSteps', [0, 10, 60], [[61, 'max'], [-1, 'min'], [2.5, 'integer']]],
  [T.upscaler, 'imageToUpscaler.denoisingStrength', [0, 0.5, 1], [[1.5, 'max'], [-0.5, 'min'], [null, 'required']]],
  [T.upscaler, 'imageToUpscaler.hrResizeX', [128, 1024, 5120], [[64, 'min'], [5184, 'max'], [1000, 'multiple_of']]],
  [T.upscaler, 'imageToUpscaler.hrResizeY', ['1024', 5120], [[100, 'min'], [6000, 'max']]],
  // imageToAdetailer
  [T.adetailer, `${AD}.adModel`, ['hand_yolov8n.pt'], [['', 'required'], ['x'.repeat(129), 'max_length']]],
  [T.adetailer, `${AD}.adConfidence`, [0, 0.5, 1], [[1.1, 'max'], [-0.1, 'min']]],
  [T.adetailer, `${AD}.adDilateErode`, [-128, 0, 128], [[129, 'max'], [-129, 'min'], [0.5, 'integer']]],
  [T.adetailer, `${AD}.adMaskMergeInvert`, ['None', 'Merge', 'Merge and Invert'], [['merge', 'enum'], [1, 'enum']]],
  [T.adetailer, `${AD}.adDenoisingStrength`, [0, 0.7, 1], [[2, 'max'], [-1, 'min']]],
  [T.adetailer, `${AD}.adInpaintOnlyMasked`, [false, true], [['false', 'type']]],
  [T.adetailer, `${AD}.adInpaintOnlyMaskedPadding`, [0, 16.5, 256], [[257, 'max'], [-1, 'min']]],
  [T.adetailer, `${AD}.adInpaintWidth`, [64, 768, 2048], [[56, 'min'], [2056, 'max'], [100, 'multiple_of']]],
  [T.adetailer, `${AD}.adInpaintHeight`, [64, 2048], [[2049, 'max'], [63, 'min']]],
  [T.adetailer, `${AD}.adSteps`, [1, 150], [[151, 'max'], [-1, 'min']]],
  [T.adetailer, `${AD}.adCfgScale`, [0.5, 30], [[31, 'max'], [-1, 'min']]],
  [T.adetailer, `${AD}.adNoiseMultiplier`, [0.5, 1.5], [[0.4, 'min'], [1.6, 'max']]],
  [T.adetailer, `${AD}.adClipSkip`, [1, 12], [[13, 'max'], [-1, 'min']]],
  [T.adetailer, `${AD}.adCheckpoint`, ['x'.repeat(128)], [['x'.repeat(129), 'max_length']]],
  [T.adetailer, `${AD}.adSampler`, ['Euler a'], [['x'.repeat(65), 'max_length']]],
  [T.adetailer, `${AD}.adPrompt`, [[{ text: 'a face' }], Array.from({ length: 150 }, () => ({ text: 'a' }))], [[Array.from({ length: 151 }, () => ({ text: 'a' })), 'max_items']]],
  [T.adetailer, `${AD}.adNegativePrompt`, [[]], [[[{ text: 2 }], 'type']]],
  [T.adetailer, `${AD}.lora.items[0].loraModel`, ['l'], [['', 'required']]],
  [T.adetailer, 'imageToAdetailer.args', [Array.from({ length: 8 }, () => ({ adModel: 'face_yolov8n.pt' }))], [[[], 'min_items'], [Array.from({ length: 9 }, () => ({ adModel: 'm' })), 'max_items']]],
  // imageToInpaint
  [T.inpaint, 'imageToInpaint.maskImageResourceId', ['m', 'x'.repeat(128)], [['', 'required'], [null, 'required'], ['x'.repeat(129), 'max_length']]],
  [T.inpaint, 'imageToInpaint.maskBlur', [0, 4.5, 64], [[65, 'max'], [-1, 'min']]],
  [T.inpaint, 'imageToInpaint.inpaintFullResPadding', [0, 256, '32'], [[257, 'max'], [-1, 'min']]],
  [T.inpaint, 'imageToInpaint.inpaintMaskInvert', [0, 1, '1'], [[2, 'max'], [-1, 'min']]],
  [T.inpaint, 'imageToInpaint.resizeMode', ['JUST_RESIZE_LATENT_UPSCALE', 'CROP_AND_RESIZE'], [['STRETCH', 'enum'], [5, 'enum']]],
  [T.inpaint, 'imageToInpaint.inpaintingFill', ['FILL', 'ORIGINAL', 'LATENT_NOTHING'], [['BLUR', 'enum']]],
  [T.inpaint, 'imageToInpaint.inpaintFullRes', [true], [['true', 'type']]],
];


describe.each(cases.map((c) => [c[1], c] as const))('bounds of %s', (_name, [template, path, accepted, refused]) => {
  const field = `stages[${template.stage}].${path}`;

  it.each(accepted.map((v) => [v]))(`${path} accepts %p`, (value) => {
    const req = valueOf(parseCreateJobRequest(setAt(template.body, `stages[${template.stage}].${path}`, value)));
    const read = getAt(req, field);
    if (Array.isArray(value) || (value !== null && typeof value === 'object')) expect(read).toMatchObject(value as object);
    else expect(read).toEqual(typeof read === 'number' && typeof value === 'string' ? Number(value) : value);
  });

  it.each(refused)(`${path} refuses %p`, (value, rule) => {
    const issues = issuesOf(parseCreateJobRequest(setAt(template.body, field, value)));
    expect(issues).toContainEqual(expect.objectContaining({ field: expect.stringMatching(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}`)), rule }));
  });
});

describe('defaults and proto3 zero values', () => {
  /** [template, path, value sent (undefined = absent), value read]. */
  const defaults: Array<[Template, string, Json | undefined, unknown]> = [
    [T.input, 'inputInitialize.seed', undefined, 0],
    [T.input, 'inputInitialize.seed', 0, 0],
    [T.input, 'inputInitialize.seed', -1, 0],
    [T.input, 'inputInitialize.seed', '-1', 0],
    [T.input, 'inputInitialize.count', undefined, 1],
    [T.input, 'inputInitialize.count', 0, 1],
    [T.diffusion, 'diffusion.width', 0, 512],
    [T.diffusion, 'diffusion.width', undefined, 512],
    [T.diffusion, 'diffusion.height', '0', 512],
    [T.diffusion, 'diffusion.steps', 0, 20],
    [T.diffusion, 'diffusion.steps', undefined, 20],
    [T.diffusion, 'diffusion.cfgScale', 0, 7],
    [T.diffusion, 'diffusion.cfgScale', undefined, 7],
    [T.diffusion, 'diffusion.clipSkip', 0, undefined],
    [T.diffusion, 'diffusion.denoisingStrength', 0, 0],
    [T.diffusion, 'diffusion.denoisingStrength', undefined, undefined],
    [T.diffusion, 'diffusion.prompts[0].weight', 0, 1],
    [T.diffusion, 'diffusion.prompts[0].weight', undefined, 1],
    [T.diffusion, 'diffusion.prompts[0].text', undefined, ''],
    [T.diffusion, 'diffusion.negativePrompts', undefined, []],
    [T.controlnet, `${CN}.weight`, 0, 1],
    [T.controlnet, `${CN}.weight`, undefined, 1],
    [T.controlnet, `${CN}.guidanceStart`, undefined, 0],
    [T.controlnet, `${CN}.guidanceEnd`, 0, 1],
    [T.controlnet, `${CN}.guidanceEnd`, undefined, 1],
    [T.controlnet, `${CN}.resizeMode`, undefined, 'DEFAULT'],
    [T.controlnet, `${CN}.resizeMode`, 0, 'DEFAULT'],
    [T.controlnet, `${CN}.controlMode`, undefined, 'DEFAULT'],
    [T.lora, `${LORA}.weight`, undefined, 1],
    [T.lora, `${LORA}.weight`, 0, 1],
    [T.embedding, 'diffusion.embedding.items[0].weight', undefined, 1],
    [T.layer, 'diffusion.layerDiffusion.weight', undefined, 1],
    [T.animate, 'diffusion.animateDiff.args[0].videoLength', undefined, 16],
    [T.animate, 'diffusion.animateDiff.args[0].fps', undefined, 8],
    [T.animate, 'diffusion.animateDiff.args[0].fps', 0, 8],
    [T.upscaler, 'imageToUpscaler.hrSecondPassSteps', undefined, 0],
    [T.upscalerResize, 'imageToUpscaler.hrScale', 0, undefined],
    [T.upscalerResize, 'imageToUpscaler.hrResizeX', 1024, 1024],
    [T.adetailer, `${AD}.adConfidence`, undefined, 0.3],
    [T.adetailer, `${AD}.adConfidence`, 0, 0],
    [T.adetailer, `${AD}.adDilateErode`, undefined, 4],
    [T.adetailer, `${AD}.adDilateErode`, 0, 0],
    [T.adetailer, `${AD}.adMaskMergeInvert`, undefined, 'None'],
    [T.adetailer, `${AD}.adDenoisingStrength`, undefined, 0.4],
    [T.adetailer, `${AD}.adInpaintOnlyMasked`, undefined, true],
    [T.adetailer, `${AD}.adInpaintOnlyMaskedPadding`, undefined, 32],
    [T.adetailer, `${AD}.adUseInpaintWidthHeight`, undefined, false],
    [T.adetailer, `${AD}.adInpaintWidth`, undefined, 512],
    [T.adetailer, `${AD}.adInpaintHeight`, 0, 512],
    [T.adetailer, `${AD}.adUseSteps`, undefined, false],
    [T.adetailer, `${AD}.adSteps`, undefined, 20],
    [T.adetailer, `${AD}.adUseCfgScale`, undefined, false],
    [T.adetailer, `${AD}.adCfgScale`, undefined, 7],
    [T.adetailer, `${AD}.adCfgScale`, 0, 7],
    [T.adetailer, `${AD}.adUseCheckpoint`, undefined, false],
    [T.adetailer, `${AD}.adUseSampler`, undefined, false],
    [T.adetailer, `${AD}.adUseNoiseMultiplier`, undefined, false],
    [T.adetailer, `${AD}.adNoiseMultiplier`, undefined, 1],
    [T.adetailer, `${AD}.adUseClipSkip`, undefined, false],
    [T.adetailer, `${AD}.adClipSkip`, undefined, 1],
    [T.adetailer, `${AD}.adPrompt`, undefined, []],
    [T.adetailer, `${AD}.adNegativePrompt`, undefined, []],
    [T.inpaint, 'imageToInpaint.resizeMode', undefined, 'DEFAULT'],
    [T.inpaint, 'imageToInpaint.maskBlur', undefined, 4],
    [T.inpaint, 'imageToInpaint.maskBlur', 0, 0],
    [T.inpaint, 'imageToInpaint.inpaintingFill', undefined, 'DEFAULT'],
    [T.inpaint, 'imageToInpaint.inpaintFullRes', undefined, false],
    [T.inpaint, 'imageToInpaint.inpaintFullResPadding', undefined, 32],
    [T.inpaint, 'imageToInpaint.inpaintFullResPadding', 0, 0],
    [T.inpaint, 'imageToInpaint.inpaintMaskInvert', undefined, 0],
  ];

  it.each(defaults)('%#: %s sent as %p reads as %p', (template, path, sent, read) => {
    const field = `stages[${template.stage}].${path}`;
    const req = valueOf(parseCreateJobRequest(setAt(template.body, field, sent)));
    expect(getAt(req, field)).toEqual(read);
  });
});

describe('object rules', () => {
  it('guidanceStart must not pass guidanceEnd', () => {
    const body = setAt(T.controlnet.body, `stages[0].${CN}`, { preprocessor: 'c', model: 'm', guidanceStart: 0.8, guidanceEnd: 0.5 });
    expect(issuesOf(parseCreateJobRequest(body))).toEqual([
      { field: `stages[0].${CN}.guidanceStart`, rule: 'order', message: 'must not be greater than guidanceEnd' },
    ]);
    expect(parseCreateJobRequest(setAt(body, `stages[0].${CN}.guidanceEnd`, 0.8)).ok).toBe(true);
  });

  it('upscaler: hrScale, or both hrResizeX and hrResizeY', () => {
    const u = 'stages[1].imageToUpscaler';
    const noScale = setAt(T.upscaler.body, `${u}.hrScale`, undefined);
    expect(issuesOf(parseCreateJobRequest(noScale))).toEqual([expect.objectContaining({ field: `${u}.hrScale`, rule: 'required_one_of' })]);
    expect(issuesOf(parseCreateJobRequest(setAt(noScale, `${u}.hrResizeX`, 1024)))).toEqual([
      expect.objectContaining({ field: `${u}.hrResizeY`, rule: 'required_one_of' }),
    ]);
    expect(issuesOf(parseCreateJobRequest(setAt(noScale, `${u}.hrResizeY`, 1024)))).toEqual([
      expect.objectContaining({ field: `${u}.hrResizeX`, rule: 'required_one_of' }),
    ]);
    const both = setAt(setAt(noScale, `${u}.hrResizeX`, 1024), `${u}.hrResizeY`, 1024);
    expect(valueOf(parseCreateJobRequest(both)).stages[1].imageToUpscaler).toMatchObject({ hrResizeX: 1024, hrResizeY: 1024 });
  });

  it('upscaler: the resize area is 262,144..8,294,400 pixels unless hrScale is given', () => {
    const u = 'stages[1].imageToUpscaler';
    const sized = (x: number, y: number, scale?: number) =>
      parseCreateJobRequest(setAt(setAt(setAt(T.upscaler.body, `${u}.hrScale`, scale), `${u}.hrResizeX`, x), `${u}.hrResizeY`, y));
    expect(sized(512, 512).ok).toBe(true); // 262,144: on the lower bound
    expect(sized(3840, 2112).ok).toBe(true); // 8,110,080
    expect(sized(2560, 3240 - 40).ok).toBe(true); // 2560 × 3200 = 8,192,000
    expect(issuesOf(sized(448, 512))).toEqual([expect.objectContaining({ field: `${u}.hrResizeX`, rule: 'area' })]);
    expect(issuesOf(sized(5120, 1664))).toEqual([expect.objectContaining({ field: `${u}.hrResizeX`, rule: 'area' })]); // 8,519,680
    expect(issuesOf(sized(1664, 5120))).toEqual([expect.objectContaining({ field: `${u}.hrResizeY`, rule: 'area' })]);
    expect(sized(5120, 5120, 2).ok).toBe(true); // hrScale wins: the resize pair is not used
    expect(sized(2880, 2880).ok).toBe(true); // 8,294,400: on the upper bound
  });
});
