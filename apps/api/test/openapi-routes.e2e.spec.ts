import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ApiHarness } from './api-harness';

/** Every route the Nest app serves, as "METHOD /path/{param}" (a trailing wildcard as "/*"). */
function servedRoutes(h: ApiHarness): string[] {
  const out: string[] = [];
  for (const mod of h.app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!type) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = type.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const path = `/${[base, sub].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/').replace(/:([A-Za-z]+)/g, '{$1}');
        out.push(`${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler)]} ${path}`);
      }
    }
  }
  return out.sort();
}

describe('/openapi.json documents the whole public API', () => {
  let h: ApiHarness;
  let doc: { paths: Record<string, Record<string, { operationId?: string; requestBody?: unknown; security?: unknown[] }>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } };
  beforeAll(async () => {
    h = await ApiHarness.start();
    doc = (await h.call('GET', '/openapi.json')).json;
  });
  afterAll(() => h.stop());

  /** Documented operations as "METHOD /path", with "{path}" of the upload route standing for its wildcard. */
  const documented = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace('/{bytes}/{path}', '/*').replace('/v1/catalogue/uploads/{modelId}/*', '/v1/catalogue/uploads/*').replace('/v1/files/{key}', '/v1/files/*')}`));

  it('documents every /v1, /admin and /stripe route the app serves, and nothing it does not', () => {
    const served = servedRoutes(h).filter((r) => / \/(v1|admin|stripe)\//.test(r));
    expect(served.length).toBeGreaterThan(30);
    const docs = new Set(documented());
    expect(served.filter((r) => !docs.has(r))).toEqual([]);
    const servedSet = new Set(served);
    expect([...docs].filter((r) => !servedSet.has(r))).toEqual([]);
  });

  it('describes billing, catalogue and admin requests with the schemas that validate them', async () => {
    expect(doc.paths['/v1/billing/checkout'].post.requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CheckoutRequest' } } } });
    const upload = doc.components.schemas.StartModelUploadRequest as { properties: Record<string, { enum?: string[] }>; required: string[] };
    expect(upload.properties.modelType.enum).toEqual(expect.arrayContaining(['CHECKPOINT', 'LORA', 'TEXTUAL_INVERSION', 'VAE', 'CONTROLNET']));
    expect(upload.required).toEqual(expect.arrayContaining(['name', 'modelType', 'baseModel', 'files']));
    const prices = doc.components.schemas.PublishPricesRequest as { properties: { rates: { properties: Record<string, unknown> } } };
    expect(Object.keys(prices.properties.rates.properties)).toEqual(expect.arrayContaining(['basePer512Image20Steps', 'planMultipliers']));
    expect(doc.paths['/admin/prices'].post.security).toEqual([{ adminToken: [] }]);
    expect(doc.components.securitySchemes).toHaveProperty('adminToken');
    expect(doc.paths['/stripe/webhook'].post.security).toEqual([]);
    // Every $ref resolves.
    for (const [, id] of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas).toHaveProperty([id]);
    // A documented schema really is the validator: a body it refuses, the route refuses with the same field.
    const tenant = await h.createTenant();
    const bad = await h.call('POST', '/v1/catalogue/uploads', { body: { name: 'x', modelType: 'LORA', baseModel: 'SD1', files: [{ path: 'a.safetensors', bytes: 1 }], extra: 1 }, headers: tenant.auth });
    expect([bad.status, bad.json.details[0].field]).toEqual([400, 'extra']);
    expect((await h.call('GET', '/docs/json')).json.paths).toHaveProperty(['/v1/catalogue/uploads']);
  });
});
