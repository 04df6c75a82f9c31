import { parseCreateJobRequest } from '@darkroom/contracts';
import { createOnnxJobRunner, readPngText } from '@darkroom/inference';
import { generateTinySd15, generateTinySdxl } from '@darkroom/testing';
import sharp from 'sharp';
async function main() {
  await generateTinySd15('/tmp/eng/a15');
  await generateTinySdxl('/tmp/eng/axl');
  const runner = createOnnxJobRunner({ previewEveryMs: 0 });
  for (const [dir, fam] of [['/tmp/eng/a15', 'SD1'], ['/tmp/eng/axl', 'SDXL']]) {
    const parsed = parseCreateJobRequest({ requestId: 'r1', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 42, count: 2 } }, { type: 'DIFFUSION', diffusion: { prompts: [{ text: 'a (photo:1.2) of a cat' }], negativePrompts: [{text: 'blurry'}], steps: 4, sampler: 'Euler a' } }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    for (let rep = 0; rep < 2; rep++) {
      runner.stats.reset();
      const t0 = performance.now();
      const out = await runner.run({ jobId: '1', request: parsed.value, models: [{ id: '7', kind: 'CHECKPOINT', name: 'tiny', baseModel: fam, path: dir }], loadResource: async () => Buffer.alloc(0) },
        { onProgress: (p) => { if (rep === 0) console.log('step', p.step, p.totalSteps, p.images.map(i => i.preview?.data.length)); }, isCancelled: () => false });
      const wall = performance.now() - t0;
      console.log(fam, 'wall', wall.toFixed(1), 'ort', runner.stats.sessionRunMs.toFixed(1), [...runner.stats.byComponent].map(([k, v]) => `${k}:${v.calls}/${v.ms.toFixed(1)}`).join(' '));
      for (const o of out) { const m = await sharp(o.data).metadata(); console.log(o.seed, o.width, o.height, m.width, m.height, o.data.length, JSON.stringify(readPngText(o.data).parameters)); }
    }
  }
  console.log(runner.heldModels());
}
main().catch((e) => { console.error(e); process.exit(1); });
