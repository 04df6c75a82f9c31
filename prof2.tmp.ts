import { parseCreateJobRequest } from '@darkroom/contracts';
import { createOnnxJobRunner } from '@darkroom/inference';
import { generateTinySd15 } from '@darkroom/testing';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
async function main() {
  await generateTinySd15('/tmp/eng/a15');
  const runner = createOnnxJobRunner({});
  const parsed = parseCreateJobRequest({ requestId: 'r1', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 42, count: 1 } }, { type: 'DIFFUSION', diffusion: { prompts: [{ text: 'a (photo:1.2) of a cat on a red sofa, detailed, soft light' }], negativePrompts: [{ text: 'blurry, low quality' }], steps: 20, sampler: 'DPM++ 2M' } }] });
  if (!parsed.ok) throw new Error();
  const go = () => runner.run({ jobId: '1', request: parsed.value, models: [{ id: '7', kind: 'CHECKPOINT', name: 'tiny', baseModel: 'SD1', path: '/tmp/eng/a15' }], loadResource: async () => Buffer.alloc(0) }, { onProgress: () => {}, isCancelled: () => false });
  await go();
  const s = new Session(); s.connect(); await s.post('Profiler.enable'); await s.post('Profiler.start');
  let wall = 0, ort = 0;
  for (let i = 0; i < 3; i++) { runner.stats.reset(); const t = performance.now(); await go(); wall += performance.now() - t; ort += runner.stats.sessionRunMs; }
  const { profile } = await s.post('Profiler.stop');
  writeFileSync('/tmp/eng/p2.cpuprofile', JSON.stringify(profile));
  console.log('wall', wall / 3, 'ort', ort / 3);
}
main();
