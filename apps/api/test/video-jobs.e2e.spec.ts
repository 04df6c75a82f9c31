import * as path from 'node:path';
import sharp from 'sharp';
import { createOnnxJobRunner } from '@darkroom/inference';
import { generateTinyMotionModel } from '@darkroom/testing';
import { ApiHarness, TestTenant } from './api-harness';

describe('AnimateDiff jobs through the API (tiny motion model)', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 100 });
    await generateTinyMotionModel(path.join(h.storageDir, 'models', 'tiny-motion'), { unetChannels: 8, vaeChannels: 4 });
    await h.prisma.model.create({
      data: { id: 990001n, name: 'tiny-motion', modelType: 'CHECKPOINT', baseModel: 'SD1', visibility: 'PUBLIC', storagePath: 'tiny-motion', projectName: 'darkroom tests' },
    });
    h.startWorker({ runner: createOnnxJobRunner({ executionProvider: 'cpu' }) });
  });
  afterAll(() => h.stop());

  it('returns the clip in successInfo.videos: MP4, WebP and GIF with format, size and frame count, decodable', async () => {
    const body = {
      requestId: 'video-1',
      stages: [
        { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 5, count: 1 } },
        {
          type: 'IMAGE_TO_ANIMATE_DIFF',
          diffusion: { prompts: [{ text: 'a cat' }], sdModel: 'tiny-motion', steps: 2, sampler: 'Euler', animateDiff: { args: [{ videoLength: 3, fps: 6 }] } },
        },
      ],
    };
    const created = await h.call('POST', '/v1/jobs', { body, headers: tenant.auth });
    expect(created.status).toBe(200);
    const done = await h.waitForStatus(tenant, created.json.job.id, ['SUCCESS', 'FAILED'], 120_000);
    expect(done.failedInfo).toBeUndefined();
    expect(done.successInfo.images).toEqual([]);
    const videos: { url: string; meta: { image: { format: string; width: number; height: number; frames: number }; seed: string } }[] = done.successInfo.videos;
    expect(videos.map((v) => v.meta)).toEqual(
      ['mp4', 'webp', 'gif'].map((format) => ({ image: { format, width: 512, height: 512, frames: 3 }, seed: '5' })),
    );
    expect(done.successInfo.stages).toEqual([expect.objectContaining({ stageIndex: 1, images: [], videos })]);
    const [mp4, webp, gif] = await Promise.all(videos.map(async (v) => Buffer.from(await (await fetch(v.url)).arrayBuffer())));
    expect(mp4.toString('latin1', 4, 8)).toBe('ftyp');
    for (const [file, format] of [
      [webp, 'webp'],
      [gif, 'gif'],
    ] as const) {
      const meta = await sharp(file, { animated: true }).metadata();
      expect([meta.format, meta.pages, meta.width, meta.pageHeight]).toEqual([format, 3, 512, 512]);
    }
  }, 180_000);
});
