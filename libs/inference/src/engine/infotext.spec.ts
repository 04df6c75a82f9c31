import { formatInfotext, promptText } from './infotext';

describe('infotext', () => {
  it('writes A1111 parameters text', () => {
    const text = formatInfotext({
      prompts: [{ text: 'a cat', weight: 1 }, { text: 'red hat', weight: 1.3 }, { text: ' ', weight: 1 }],
      negativePrompts: [{ text: 'blurry' }],
      steps: 20,
      sampler: 'DPM++ 2M',
      schedule: 'karras',
      cfgScale: 7,
      seed: 4294967295n,
      width: 512,
      height: 768,
      model: 'tiny, v2',
      denoisingStrength: 0.5,
      clipSkip: 2,
      etaNoiseSeedDelta: 31337,
    });
    expect(text).toBe(
      'a cat, (red hat:1.3)\nNegative prompt: blurry\n' +
        'Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 4294967295, Size: 512x768, ' +
        'Model: "tiny, v2", Denoising strength: 0.5, Clip skip: 2, ENSD: 31337, Version: darkroom',
    );
  });

  it('omits an empty negative prompt and the schedule of DDIM/UniPC', () => {
    const text = formatInfotext({
      prompts: [{ text: 'x' }],
      negativePrompts: [],
      steps: 4,
      sampler: 'DDIM',
      schedule: null,
      cfgScale: 1.5,
      seed: 1n,
      width: 64,
      height: 64,
      model: 'm',
    });
    expect(text).toBe('x\nSteps: 4, Sampler: DDIM, CFG scale: 1.5, Seed: 1, Size: 64x64, Model: m, Version: darkroom');
    expect(promptText([])).toBe('');
  });
});
