import { readClipRequest } from '../animatediff/animatediff-args';
import { clipSteps, generateClips, type ClipPlan } from '../animatediff/clip-generation';
import { motionUnetShape, withMotionUnet } from '../animatediff/motion-unet';
import { planInfotext } from '../engine/diffusion.pipeline';
import { checkPassSize, DEFAULT_DENOISING_STRENGTH, type GenerationPlan } from '../engine/generation-plan';
import { LATENT_CHANNELS } from '../engine/guided-unet';
import { encodeImage, type RgbImage } from '../engine/vae';
import { FatalRunError } from '../runner/job-runner';
import type { StageExecutor } from './stage-executor';
import { passHooks, resizeEach } from './stage-helpers';

/**
 * IMAGE_TO_ANIMATE_DIFF (and a DIFFUSION stage carrying `animateDiff.args`): one clip of `videoLength` frames at
 * `fps` per image of the job, sampled with the checkpoint's motion UNet (../animatediff). Without earlier images it
 * is txt2vid; after a stage that makes images (or INPUT_INITIALIZE with an upload) every frame starts from that
 * image at `denoisingStrength` (default 0.75; ≥ 1 ignores it). Its results are videos, so it must be the job's last
 * stage. ControlNet units are refused: they would need a hint per frame.
 */
export const animateDiffStage: StageExecutor = {
  type: 'IMAGE_TO_ANIMATE_DIFF',
  async prepare(stage, ctx) {
    const d = stage.diffusion;
    if (!d) throw new FatalRunError(`${stage.type} stage without diffusion parameters`);
    const clip = readClipRequest(d);
    const later = ctx.stages.findIndex((s, i) => i > ctx.index && s.type !== 'INPUT_INITIALIZE');
    if (later >= 0) {
      throw new FatalRunError(
        `stage ${ctx.index} (${stage.type}) makes videos and must be the job's last stage; stage ${later} (${ctx.stages[later].type}) works on still images`,
      );
    }
    if (d.controlnet?.args.length) throw new FatalRunError('controlnet.args cannot be combined with animateDiff.args: ControlNet-guided video is not supported');
    checkPassSize(d.width, d.height);
    const strength = ctx.incoming ? (d.denoisingStrength ?? DEFAULT_DENOISING_STRENGTH) : undefined;
    const img2vid = strength !== undefined && strength < 1;
    const setup = await ctx.services.diffusion(d, { vaeEncoder: img2vid, motion: true });
    const name = setup.model.checkpoint.name;
    const motion = motionUnetShape(setup.pipeline.unet, withMotionUnet(setup.model.model, name).unet?.config ?? null, name);
    const plan: GenerationPlan = {
      ...setup.model,
      stageIndex: ctx.index,
      stageCount: ctx.stages.length,
      seeds: [...ctx.seeds],
      width: d.width,
      height: d.height,
      denoisingStrength: strength,
      init: img2vid ? { strength, latents: new Float32Array(0) } : undefined,
    };
    const clipPlan: ClipPlan = { plan, frames: clip.videoLength, motion };
    const extras: [string, number][] = [
      ['AnimateDiff frames', clip.videoLength],
      ['AnimateDiff fps', clip.fps],
    ];

    /** Each clip's start latent: the incoming images at the stage's size through the VAE encoder, each once. */
    const startLatents = async (images: RgbImage[]): Promise<Float32Array> => {
      const encoder = setup.pipeline.vaeEncoder;
      if (!encoder) throw new FatalRunError('an AnimateDiff clip from an image needs a VAE encoder (vae_encoder/model.onnx)');
      const resized = await resizeEach(images, d.width, d.height);
      const size = LATENT_CHANNELS * (d.height / 8) * (d.width / 8);
      const out = new Float32Array(resized.length * size);
      const encoded = new Map<RgbImage, Float32Array>();
      for (const [i, img] of resized.entries()) {
        let latent = encoded.get(img);
        if (!latent) encoded.set(img, (latent = await encodeImage(encoder, img, setup.pipeline.vaeScalingFactor)));
        out.set(latent, i * size);
      }
      return out;
    };

    return {
      output: { width: d.width, height: d.height },
      steps: clipSteps(clipPlan, setup.pipeline),
      async run(incoming, rc) {
        const starts = plan.init && incoming ? await startLatents(incoming.map((i) => i.rgb)) : undefined;
        const clips = await generateClips({ ...clipPlan, startLatents: starts }, setup.pipeline, ctx.services.options, passHooks(rc));
        return clips.map((frames, i) => ({ rgb: frames[0], parameters: planInfotext(plan, i, extras), video: { frames, fps: clip.fps } }));
      },
    };
  },
};
