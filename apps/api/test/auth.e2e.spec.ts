import { createSign, randomBytes } from 'node:crypto';
import { rsaSigningString } from '../src/auth/authenticator';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

function rsaHeader(appId: string, privateKey: string, method: string, url: string, body: string, opts: { timestamp?: number; nonce?: string } = {}) {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? randomBytes(8).toString('hex');
  const signer = createSign('RSA-SHA256');
  signer.update(rsaSigningString(method, url, timestamp, nonce, body));
  const signature = signer.sign(privateKey, 'base64');
  return { authorization: `TAMS-SHA256-RSA app_id=${appId},nonce_str=${nonce},timestamp=${timestamp},signature=${signature}`, nonce, timestamp };
}

describe('authentication', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant();
  });
  afterAll(() => h.stop());

  it('refuses missing, malformed, unknown and revoked API keys with UNAUTHENTICATED', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer' }, { authorization: 'Basic abc' }, { authorization: `Bearer dk_${'x'.repeat(43)}` }];
    for (const headers of attempts) {
      const res = await h.call('GET', '/v1/jobs/1', { headers });
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ code: 16 });
      expect(res.json.details[0].field).toBe('Authorization');
    }
    const other = await h.createTenant();
    await h.prisma.apiKey.updateMany({ where: { tenantId: other.id }, data: { revokedAt: new Date() } });
    expect((await h.call('GET', '/v1/jobs/1', { headers: other.auth })).status).toBe(401);
  });

  it('refuses a suspended tenant with PERMISSION_DENIED', async () => {
    const t = await h.createTenant();
    await h.prisma.tenant.update({ where: { id: t.id }, data: { status: 'SUSPENDED' } });
    const res = await h.call('POST', '/v1/jobs', { body: txt2img('s-1'), headers: t.auth });
    expect([res.status, res.json.code]).toEqual([403, 7]);
  });

  it('accepts a TAMS-SHA256-RSA signature and refuses replays, stale timestamps, tampering and unknown apps', async () => {
    const { appId, privateKey } = await h.createAppCredential(tenant.id);
    const body = JSON.stringify(txt2img('rsa-1'));
    const signed = rsaHeader(appId, privateKey, 'POST', '/v1/jobs', body);
    const ok = await h.call('POST', '/v1/jobs', { rawBody: body, headers: { authorization: signed.authorization, 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(ok.json.job.status).toBe('WAITING');

    const replay = await h.call('POST', '/v1/jobs', { rawBody: body, headers: { authorization: signed.authorization, 'content-type': 'application/json' } });
    expect([replay.status, replay.json.message]).toEqual([401, 'nonce_str was already used (replayed request)']);

    const stale = rsaHeader(appId, privateKey, 'POST', '/v1/jobs', body, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    const staleRes = await h.call('POST', '/v1/jobs', { rawBody: body, headers: { authorization: stale.authorization, 'content-type': 'application/json' } });
    expect(staleRes.status).toBe(401);
    expect(staleRes.json.message).toContain('5 minutes');

    const fresh = rsaHeader(appId, privateKey, 'POST', '/v1/jobs', body);
    const tampered = await h.call('POST', '/v1/jobs', { rawBody: body.replace('rsa-1', 'rsa-2'), headers: { authorization: fresh.authorization, 'content-type': 'application/json' } });
    expect([tampered.status, tampered.json.message]).toEqual([401, 'signature does not match the request']);

    const get = rsaHeader(appId, privateKey, 'GET', `/v1/jobs/${ok.json.job.id}`, '');
    expect((await h.call('GET', `/v1/jobs/${ok.json.job.id}`, { headers: { authorization: get.authorization } })).json.job.id).toBe(ok.json.job.id);

    const unknown = rsaHeader('app_nope', privateKey, 'GET', '/v1/jobs/1', '');
    expect((await h.call('GET', '/v1/jobs/1', { headers: { authorization: unknown.authorization } })).status).toBe(401);
  });

  it('applies the per-tenant rate limit across requests, with Retry-After', async () => {
    const limited = await h.createTenant({ rateLimitPerSec: 5 });
    const results = await Promise.all(Array.from({ length: 8 }, () => h.call('GET', '/v1/jobs/1', { headers: limited.auth })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 404)).toHaveLength(5);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(3);
    expect(refused[0].json).toMatchObject({ code: 8 });
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
