import sharp from 'sharp';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();

describe('image resources', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  beforeAll(async () => {
    h = await ApiHarness.start({ UPLOAD_MAX_BYTES: '200000' });
    tenant = await h.createTenant();
  });
  afterAll(() => h.stop());

  it('hands out a signed putUrl, takes the image, and lets a job use it', async () => {
    const res = await h.call('POST', '/v1/resource/image', { body: { expireSec: '600', term: 1 }, headers: tenant.auth });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ resourceId: expect.stringMatching(/^img_/), headers: { 'Content-Type': 'application/octet-stream' } });
    const put = await fetch(res.json.putUrl, { method: 'PUT', headers: res.json.headers, body: await png(64, 48) });
    expect(put.status).toBe(200);
    const row = await h.prisma.resource.findUniqueOrThrow({ where: { id: res.json.resourceId } });
    expect([row.status, row.width, row.height, row.contentType, row.term]).toEqual(['READY', 64, 48, 'image/png', 'SHORT']);
    expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const body = { requestId: 'res-1', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { imageResourceId: res.json.resourceId } }, txt2img('x', { denoisingStrength: 0.5 }).stages[0]] };
    expect((await h.call('POST', '/v1/jobs', { body, headers: tenant.auth })).status).toBe(200);
  });

  it('keeps long-term resources until deleted', async () => {
    const res = await h.call('POST', '/v1/resource/image', { body: { expire_sec: 60, term: 'LONG' }, headers: tenant.auth });
    const row = await h.prisma.resource.findUniqueOrThrow({ where: { id: res.json.resourceId } });
    expect([row.term, row.expiresAt]).toEqual(['LONG', null]);
  });

  it('refuses bad signatures, non-images, oversized bodies and bad request fields', async () => {
    const res = await h.call('POST', '/v1/resource/image', { body: { expireSec: 600, term: 1 }, headers: tenant.auth });
    const url = new URL(res.json.putUrl);
    const forged = new URL(url);
    forged.searchParams.set('sig', 'x'.repeat(43));
    expect((await fetch(forged, { method: 'PUT', headers: res.json.headers, body: await png(8, 8) })).status).toBe(403);

    const text = await fetch(url, { method: 'PUT', headers: res.json.headers, body: Buffer.from('not an image') });
    expect(text.status).toBe(400);
    expect(((await text.json()) as { details: Array<{ rule: string }> }).details[0].rule).toBe('image_type');

    const big = await fetch(url, { method: 'PUT', headers: res.json.headers, body: Buffer.alloc(300_000, 1) });
    expect(big.status).toBe(400);

    const bad = await h.call('POST', '/v1/resource/image', { body: { expireSec: 5, term: 9 }, headers: tenant.auth });
    expect(bad.status).toBe(400);
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['expireSec', 'term']);
  });

  it('refuses a job naming an image that is missing, not uploaded, or another tenant\'s', async () => {
    const other = await h.createTenant();
    const theirs = await h.call('POST', '/v1/resource/image', { body: { expireSec: 600, term: 1 }, headers: other.auth });
    await fetch(theirs.json.putUrl, { method: 'PUT', headers: theirs.json.headers, body: await png(8, 8) });
    const pending = await h.call('POST', '/v1/resource/image', { body: { expireSec: 600, term: 1 }, headers: tenant.auth });
    const cases: Array<[string, number, string]> = [
      ['img_nope', 404, 'unknown_resource'],
      [theirs.json.resourceId, 404, 'unknown_resource'],
      [pending.json.resourceId, 400, 'not_uploaded'],
    ];
    for (const [id, status, rule] of cases) {
      const body = { requestId: `res-bad-${id}`, stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { imageResourceId: id } }, txt2img('x').stages[0]] };
      const res = await h.call('POST', '/v1/jobs', { body, headers: tenant.auth });
      expect([res.status, res.json.details[0].rule, res.json.details[0].field]).toEqual([status, rule, 'stages[0].inputInitialize.imageResourceId']);
    }
  });
});
