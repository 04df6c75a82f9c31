import { parseCreateJobRequest } from '@darkroom/contracts';
import { createOnnxJobRunner } from '@darkroom/inference';
import { generateTinySd15 } from '@darkroom/testing';
import sharp from 'sharp';
async function main() {
  await generateTinySd15('/tmp/eng/a15');
  const runner = createOnnxJobRunner({ previewEveryMs: Number(process.env.PREV ?? 1000) });
  const parsed = parseCreateJobRequest({ requestId: 'r1', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 42, count: 1 } }, { type: 'DIFFUSION', diffusion: { prompts: [{ text: 'a photo of a cat' }], steps: 8, sampler: 'Euler' } }] });
  if (!parsed.ok) throw new Error();
  for (let rep = 0; rep < 4; rep++) {
    runner.stats.reset();
    const t0 = performance.now();
    const out = await runner.run({ jobId: '1', request: parsed.value, models: [{ id: '7', kind: 'CHECKPOINT', name: 'tiny', baseModel: 'SD1', path: '/tmp/eng/a15' }], loadResource: async () => Buffer.alloc(0) }, { onProgress: () => {}, isCancelled: () => false });
    const wall = performance.now() - t0;
    console.log('wall', wall.toFixed(1), 'ort', runner.stats.sessionRunMs.toFixed(1), (wall / runner.stats.sessionRunMs).toFixed(3), [...runner.stats.byComponent].map(([k, v]) => `${k}:${v.calls}/${v.ms.toFixed(1)}`).join(' '));
    if (rep === 3) {
      const raw = await sharp(out[0].data).raw().toBuffer();
      for (const lvl of [0, 1, 3, 6, 9]) { const t = performance.now(); await sharp(raw, { raw: { width: 512, height: 512, channels: 3 } }).png({ compressionLevel: lvl }).toBuffer().then(b => console.log('png', lvl, (performance.now() - t).toFixed(1), b.length)); }
    }
  }
}
main();
