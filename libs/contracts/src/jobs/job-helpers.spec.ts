import { parseCreateJobRequest } from './create-job.parser';
import { diffusionParamsByStage } from './diffusion-by-stage';
import { checkDiffusionSize } from './diffusion-size';
import { collectModelRefs } from './model-refs';
import { adetailerStage, diffusion, diffusionStage, inpaintStage, inputStage, job, upscalerStage, valueOf } from '../testing/job-fixtures.test-util';

describe('checkDiffusionSize', () => {
  const rules = (family: 'SD1' | 'SD2' | 'SDXL', w: number, h: number) =>
    checkDiffusionSize(family, w, h, 'stages[0].diffusion').map((i) => `${i.field.replace('stages[0].diffusion.', '')} ${i.rule}`);

  it('SD1 (512 engines): 262,144 ≤ w·h ≤ 1,048,576, sides ≤ 1024', () => {
    expect(rules('SD1', 512, 512)).toEqual([]);
    expect(rules('SD1', 1024, 1024)).toEqual([]);
    expect(rules('SD1', 1024, 512)).toEqual([]);
    expect(rules('SD1', 1088, 512)).toEqual(['width max']);
    expect(rules('SD1', 512, 1088)).toEqual(['height max']);
    expect(rules('SD1', 1024, 1088)).toEqual(['height max', 'height area']);
  });

  it('SD2 (768 engines): 589,824 ≤ w·h ≤ 1,048,576, sides ≤ 1024', () => {
    expect(rules('SD2', 768, 768)).toEqual([]); // 589,824: on the bound
    expect(rules('SD2', 1024, 576)).toEqual([]); // 589,824
    expect(rules('SD2', 512, 512)).toEqual(['width area']);
    expect(rules('SD2', 512, 1024)).toEqual(['width area']); // 524,288: the smaller side is named
    expect(rules('SD2', 1024, 1024)).toEqual([]);
    expect(rules('SD2', 1152, 768)).toEqual(['width max']);
  });

  it('SDXL: 262,144 ≤ w·h ≤ 2,073,600, sides ≤ 1536', () => {
    expect(rules('SDXL', 1024, 1024)).toEqual([]);
    expect(rules('SDXL', 1536, 1344)).toEqual([]); // 2,064,384
    expect(rules('SDXL', 1536, 1408)).toEqual(['width area']); // 2,162,688: the larger side is named
    expect(rules('SDXL', 1408, 1536)).toEqual(['height area']);
    expect(rules('SDXL', 1536, 1536)).toEqual(['width area']);
    expect(rules('SDXL', 1600, 512)).toEqual(['width max']);
    expect(rules('SDXL', 512, 512)).toEqual([]);
  });

  it('names the fields under the given path with a message', () => {
    expect(checkDiffusionSize('SD1', 1088, 512, 'stages[2].imageToUpscaler.diffusion')).toEqual([
      { field: 'stages[2].imageToUpscaler.diffusion.width', rule: 'max', message: 'must be at most 1024 for SD1 models' },
    ]);
  });
});

describe('collectModelRefs', () => {
  it('lists every model reference with its field path and access key', () => {
    const req = valueOf(
      parseCreateJobRequest(
        job(
          diffusionStage({
            sdModel: '1234',
            sdVae: 'vae-ft-mse',
            modelAccessKey: 'mk',
            lora: { items: [{ loraModel: 'detail', loraAccessKey: 'lk' }, { loraModel: 'style' }] },
            embedding: { items: [{ model: 'easynegative', embeddingAccessKey: 'ek' }] },
            controlnet: { args: [{ preprocessor: 'canny', model: 'cn-canny' }] },
          }),
          upscalerStage({ diffusion: diffusion({ sdModel: 'other' }) }),
          adetailerStage({ adUseCheckpoint: true, adCheckpoint: 'face-ckpt', lora: { items: [{ loraModel: 'face-lora' }] } }),
          adetailerStage({ adUseCheckpoint: false, adCheckpoint: 'ignored' }),
        ),
      ),
    );
    expect(collectModelRefs(req)).toEqual([
      { field: 'stages[0].diffusion.sdModel', kind: 'checkpoint', ref: '1234', accessKey: 'mk' },
      { field: 'stages[0].diffusion.sdVae', kind: 'vae', ref: 'vae-ft-mse', accessKey: 'mk' },
      { field: 'stages[0].diffusion.lora.items[0].loraModel', kind: 'lora', ref: 'detail', accessKey: 'lk' },
      { field: 'stages[0].diffusion.lora.items[1].loraModel', kind: 'lora', ref: 'style' },
      { field: 'stages[0].diffusion.embedding.items[0].model', kind: 'embedding', ref: 'easynegative', accessKey: 'ek' },
      { field: 'stages[0].diffusion.controlnet.args[0].model', kind: 'controlnet', ref: 'cn-canny' },
      { field: 'stages[1].imageToUpscaler.diffusion.sdModel', kind: 'checkpoint', ref: 'other' },
      { field: 'stages[2].imageToAdetailer.args[0].adCheckpoint', kind: 'adetailer_checkpoint', ref: 'face-ckpt' },
      { field: 'stages[2].imageToAdetailer.args[0].lora.items[0].loraModel', kind: 'lora', ref: 'face-lora' },
    ]);
  });

  it('asks for the default checkpoint once when no diffusion object names one', () => {
    const req = valueOf(parseCreateJobRequest(job(inputStage(), diffusionStage(), upscalerStage({ diffusion: diffusion() }))));
    expect(collectModelRefs(req)).toEqual([{ field: 'stages[1].diffusion.sdModel', kind: 'checkpoint', ref: '' }]);
  });
});

describe('diffusionParamsByStage', () => {
  it('gives each stage its own diffusion, else the job DIFFUSION stage’s', () => {
    const own = diffusion({ steps: 5 });
    const req = valueOf(
      parseCreateJobRequest(job(inputStage(), diffusionStage({ steps: 30 }), upscalerStage(), upscalerStage({ diffusion: own }), adetailerStage(), inpaintStage())),
    );
    const steps = diffusionParamsByStage(req).map((d) => d?.steps ?? null);
    expect(steps).toEqual([null, 30, 30, 5, 30, 30]);
  });

  it('uses a DIFFUSION stage that comes later', () => {
    const req = valueOf(parseCreateJobRequest(job(upscalerStage(), diffusionStage({ cfgScale: 4 }))));
    expect(diffusionParamsByStage(req).map((d) => d?.cfgScale)).toEqual([4, 4]);
  });
});
