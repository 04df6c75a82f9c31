import { parseCreateJobRequest } from './create-job.parser';
import {
  adetailerStage,
  animateStage,
  diffusion,
  diffusionStage,
  inpaintStage,
  inputStage,
  issuesOf,
  job,
  upscalerStage,
  valueOf,
} from '../testing/job-fixtures.test-util';

const rulesOf = (body: unknown) => issuesOf(parseCreateJobRequest(body)).map((i) => `${i.field} ${i.rule}`);

describe('stage type and payload', () => {
  it('infers a missing or DEFAULT type from the only payload object', () => {
    const req = valueOf(
      parseCreateJobRequest(
        job(
          { inputInitialize: { seed: 5 } },
          { type: 'DEFAULT', diffusion: diffusion() },
          { imageToUpscaler: { hrUpscaler: 'Latent', hrScale: 2, denoisingStrength: 0.3 } },
          { type: 0, imageToAdetailer: { args: [{ adModel: 'face_yolov8n.pt' }] } },
          { imageToInpaint: { maskImageResourceId: 'm' } },
        ),
      ),
    );
    expect(req.stages.map((s) => s.type)).toEqual(['INPUT_INITIALIZE', 'DIFFUSION', 'IMAGE_TO_UPSCALER', 'IMAGE_TO_ADETAILER', 'IMAGE_TO_INPAINT']);
    expect(valueOf(parseCreateJobRequest(job({ diffusion: diffusion({ animateDiff: { args: [{}] } }) }))).stages[0].type).toBe('IMAGE_TO_ANIMATE_DIFF');
  });

  it('needs the type when there is no payload or more than one', () => {
    expect(rulesOf(job({}))).toEqual(['stages[0].type required']);
    expect(rulesOf(job({ type: 'DEFAULT' }))).toEqual(['stages[0].type required']);
    expect(rulesOf(job({ diffusion: diffusion(), imageToInpaint: { maskImageResourceId: 'm' } }))).toEqual(['stages[0].type required']);
  });

  it('needs the payload the type takes', () => {
    expect(rulesOf(job({ type: 'DIFFUSION' }))).toEqual(['stages[0].diffusion required']);
    expect(rulesOf(job(diffusionStage(), { type: 'IMAGE_TO_UPSCALER' }))).toEqual(['stages[1].imageToUpscaler required']);
    expect(rulesOf(job({ type: 'INPUT_INITIALIZE' }, diffusionStage()))).toEqual(['stages[0].inputInitialize required']);
  });

  it('refuses a payload of another kind once, without validating inside it', () => {
    expect(rulesOf(job({ ...diffusionStage(), imageToUpscaler: { hrScale: -5 } }))).toEqual(['stages[0].imageToUpscaler unexpected_field']);
    expect(rulesOf(job({ type: 'IMAGE_TO_INPAINT', diffusion: diffusion() }))).toEqual([
      'stages[0].imageToInpaint required',
      'stages[0].diffusion unexpected_field',
    ]);
    expect(rulesOf(job(diffusionStage(), { ...upscalerStage(), inputInitialize: {} }))).toEqual(['stages[1].inputInitialize unexpected_field']);
  });

  it('IMAGE_TO_ANIMATE_DIFF takes diffusion with one animateDiff.args item', () => {
    expect(valueOf(parseCreateJobRequest(job(animateStage({ videoLength: 24 })))).stages[0].diffusion!.animateDiff).toEqual({ args: [{ videoLength: 24, fps: 8 }] });
    expect(rulesOf(job({ type: 'IMAGE_TO_ANIMATE_DIFF', diffusion: diffusion() }))).toEqual(['stages[0].diffusion.animateDiff.args required']);
    expect(rulesOf(job({ type: 'IMAGE_TO_ANIMATE_DIFF', diffusion: diffusion({ animateDiff: { args: [] } }) }))).toEqual([
      'stages[0].diffusion.animateDiff.args required',
    ]);
    expect(rulesOf(job({ type: 'IMAGE_TO_ANIMATE_DIFF', diffusion: diffusion({ animateDiff: {} }) }))).toEqual(['stages[0].diffusion.animateDiff.args required']);
  });

  it('a DIFFUSION stage may carry animateDiff too (it then makes a video)', () => {
    expect(parseCreateJobRequest(job({ type: 'DIFFUSION', diffusion: diffusion({ animateDiff: { args: [{}] } }) })).ok).toBe(true);
  });
});

describe('cross-stage rules', () => {
  it('INPUT_INITIALIZE only first and only once', () => {
    expect(parseCreateJobRequest(job(inputStage(), diffusionStage())).ok).toBe(true);
    expect(rulesOf(job(diffusionStage(), inputStage()))).toEqual(['stages[1].type stage_order']);
    expect(rulesOf(job(inputStage(), inputStage(), diffusionStage()))).toEqual(['stages[1].type stage_order']);
  });

  it('at most one DIFFUSION stage', () => {
    expect(rulesOf(job(diffusionStage(), diffusionStage(), diffusionStage()))).toEqual(['stages[1].type stage_count', 'stages[2].type stage_count']);
  });

  it('IMAGE_TO_* stages need diffusion parameters, their own or the job DIFFUSION stage’s', () => {
    expect(rulesOf(job(upscalerStage()))).toEqual(['stages[0].imageToUpscaler.diffusion missing_diffusion']);
    expect(rulesOf(job(inputStage({ imageResourceId: 'img' }), adetailerStage()))).toEqual(['stages[1].imageToAdetailer.diffusion missing_diffusion']);
    expect(rulesOf(job(inputStage({ imageResourceId: 'img' }), inpaintStage()))).toEqual(['stages[1].imageToInpaint.diffusion missing_diffusion']);
    // Own diffusion, or the job's DIFFUSION stage anywhere in the job.
    expect(parseCreateJobRequest(job(upscalerStage({ diffusion: diffusion() }))).ok).toBe(true);
    expect(parseCreateJobRequest(job(upscalerStage(), diffusionStage())).ok).toBe(true);
    expect(parseCreateJobRequest(job(inputStage({ imageResourceId: 'img' }), inpaintStage({ diffusion: diffusion() }))).ok).toBe(true);
    // IMAGE_TO_ANIMATE_DIFF does not lend its diffusion to the others.
    expect(rulesOf(job(animateStage(), upscalerStage()))).toEqual(['stages[1].imageToUpscaler.diffusion missing_diffusion']);
  });

  it('ADETAILER and INPAINT need an input image; an UPSCALER makes its own', () => {
    expect(rulesOf(job(adetailerStage({}, { diffusion: diffusion() })))).toEqual(['stages[0].type missing_input_image']);
    expect(rulesOf(job(inpaintStage({ diffusion: diffusion() })))).toEqual(['stages[0].type missing_input_image']);
    expect(rulesOf(job(inputStage(), inpaintStage({ diffusion: diffusion() })))).toEqual(['stages[1].type missing_input_image']);
    expect(rulesOf(job(inpaintStage(), diffusionStage()))).toEqual(['stages[0].type missing_input_image']);
    expect(parseCreateJobRequest(job(inputStage({ imageResourceId: 'img' }), inpaintStage({ diffusion: diffusion() }))).ok).toBe(true);
    expect(parseCreateJobRequest(job(diffusionStage(), adetailerStage(), inpaintStage())).ok).toBe(true);
    expect(parseCreateJobRequest(job(upscalerStage({ diffusion: diffusion() }), adetailerStage({}, { diffusion: diffusion() }))).ok).toBe(true);
    expect(parseCreateJobRequest(job(upscalerStage({ diffusion: diffusion() }))).ok).toBe(true);
  });

  it('a job must make images', () => {
    expect(rulesOf(job(inputStage()))).toEqual(['stages no_output_stage']);
    expect(rulesOf(job(inputStage({ imageResourceId: 'img' })))).toEqual(['stages no_output_stage']);
  });

  it('animateDiff inside an IMAGE_TO_* stage’s own diffusion is refused', () => {
    expect(rulesOf(job(upscalerStage({ diffusion: diffusion({ animateDiff: { args: [{}] } }) })))).toEqual([
      'stages[0].imageToUpscaler.diffusion.animateDiff unexpected_field',
    ]);
  });

  it('cross-stage rules wait until every field is valid', () => {
    expect(rulesOf(job(upscalerStage({ hrScale: 9 })))).toEqual(['stages[0].imageToUpscaler.hrScale max']);
  });
});
