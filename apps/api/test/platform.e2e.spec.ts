import { DEMO_MODEL_ID, ApiHarness, TestTenant, txt2img } from './api-harness';

describe('models, health, metrics, OpenAPI', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant();
  });
  afterAll(() => h.stop());

  it('shows public models and the caller\'s own; others are NOT_FOUND', async () => {
    const demo = await h.call('GET', `/v1/models/${DEMO_MODEL_ID}`, { headers: tenant.auth });
    expect(demo.status).toBe(200);
    expect(demo.json.model).toEqual({
      id: DEMO_MODEL_ID.toString(),
      name: 'tiny-sd15',
      description: expect.any(String),
      baseModel: 'SD1',
      modelType: 'CHECKPOINT',
      showcaseImageUrls: [],
      projectName: 'darkroom demo',
    });
    const other = await h.createTenant();
    await h.prisma.model.create({ data: { id: 42n, name: 'secret', modelType: 'CHECKPOINT', baseModel: 'SD1', ownerTenantId: other.id, visibility: 'PRIVATE', storagePath: 'x' } });
    expect((await h.call('GET', '/v1/models/42', { headers: other.auth })).status).toBe(200);
    expect((await h.call('GET', '/v1/models/42', { headers: tenant.auth })).status).toBe(404);
    expect((await h.call('GET', '/v1/models/nope', { headers: tenant.auth })).status).toBe(404);
    // ...and a job cannot use the private model without an access key.
    const job = await h.call('POST', '/v1/jobs', { body: txt2img('m-1', { sdModel: '42' }), headers: tenant.auth });
    expect([job.status, job.json.details[0].field]).toEqual([403, 'stages[0].diffusion.sdModel']);
    const unknown = await h.call('POST', '/v1/jobs', { body: txt2img('m-2', { sdModel: 'no-such-model' }), headers: tenant.auth });
    expect([unknown.status, unknown.json.details[0].rule]).toEqual([404, 'unknown_model']);
  });

  it('answers liveness, readiness and Prometheus metrics', async () => {
    expect((await h.call('GET', '/healthz')).json).toEqual({ status: 'ok' });
    expect((await h.call('GET', '/readyz')).json).toEqual({ status: 'ok', postgres: 'ok', redis: 'ok' });
    await h.call('POST', '/v1/jobs', { body: txt2img('metrics-1'), headers: tenant.auth });
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/darkroom_http_requests_total\{method="POST",route="\/v1\/jobs",status="200"\} 1/);
    expect(metrics.text).toMatch(/darkroom_jobs\{status="WAITING"\} 1/);
    expect(metrics.text).toMatch(/darkroom_queue_length\{pool="cpu"\} 1/);
    expect(metrics.text).toContain('darkroom_jobs_created_total{pool="cpu"} 1');
  });

  it('serves the OpenAPI document and Swagger UI, and unknown paths as NOT_FOUND bodies', async () => {
    const doc = await h.call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(['/v1/jobs', '/v1/jobs/{jobId}', '/v1/jobs/credits', '/v1/models/{modelId}', '/v1/resource/image']));
    const ui = await h.call('GET', '/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const missing = await h.call('GET', '/v2/nothing');
    expect([missing.status, missing.json.code]).toEqual([404, 5]);
  });
});
