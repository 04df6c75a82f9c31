import { buildOpenApiDocument } from './openapi-document';

describe('buildOpenApiDocument', () => {
  const doc = buildOpenApiDocument({ serverUrl: 'https://api.example.com' });
  const text = JSON.stringify(doc);
  const schemas = (doc.components as { schemas: Record<string, Record<string, unknown>> }).schemas;

  it('is an OpenAPI 3.1 document that survives JSON', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(JSON.parse(text)).toEqual(doc);
    expect(doc.servers).toEqual([{ url: 'https://api.example.com' }]);
    expect(buildOpenApiDocument()).not.toHaveProperty('servers');
  });

  it('describes every endpoint', () => {
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    expect(paths['/v1/jobs']).toHaveProperty('post');
    expect(paths['/v1/jobs/credits']).toHaveProperty('post');
    expect(paths['/v1/jobs/{jobId}']).toHaveProperty('get');
    expect(paths['/v1/jobs/{jobId}']).toHaveProperty('delete');
    expect(paths['/v1/models/{modelId}']).toHaveProperty('get');
    expect(paths['/v1/resource/image']).toHaveProperty('post');
    expect(paths['/v1/resource/upload/{resourceId}']).toHaveProperty('put');
    expect(buildOpenApiDocument({ uploadPath: '/up/{resourceId}' }).paths).toHaveProperty(['/up/{resourceId}', 'put']);
  });

  it('carries the request schema of every stage payload', () => {
    for (const id of ['CreateJobRequest', 'EstimateRequest', 'Stage', 'InputInitialize', 'Diffusion', 'ImageToUpscaler', 'ImageToAdetailer', 'ImageToInpaint']) {
      expect(schemas).toHaveProperty(id);
    }
    const stageProps = Object.keys(schemas.Stage.properties as object);
    expect(stageProps).toEqual(['type', 'inputInitialize', 'diffusion', 'imageToUpscaler', 'imageToAdetailer', 'imageToInpaint']);
    expect(JSON.stringify(schemas.Stage)).toContain('IMAGE_TO_ANIMATE_DIFF');
    expect(JSON.stringify(schemas.Diffusion)).toContain('animateDiff');
    expect(schemas.ImageToUpscaler.required).toEqual(['hrUpscaler', 'denoisingStrength']);
  });

  it('documents int64 fields as number or decimal string', () => {
    const seed = (schemas.InputInitialize.properties as Record<string, { anyOf?: unknown[] }>).seed;
    expect(seed.anyOf).toEqual([{ type: 'integer', minimum: 0, maximum: 4294967295 }, { type: 'string', pattern: '^-?[0-9]+$' }]);
  });

  it('has answer schemas, security schemes and error answers', () => {
    for (const id of ['Job', 'CreateJobResponse', 'GetJobResponse', 'CancelJobResponse', 'EstimateResponse', 'Model', 'GetModelResponse', 'CreateResourceResponse', 'ApiError']) {
      expect(schemas).toHaveProperty(id);
    }
    const security = (doc.components as { securitySchemes: Record<string, { type: string }> }).securitySchemes;
    expect(security.bearerAuth.type).toBe('http');
    expect(JSON.stringify(security.tamsSignature)).toContain('TAMS-SHA256-RSA');
    expect(text).toContain('"429"');
    expect(text).not.toContain('"$schema"');
  });

  it('every $ref points at a schema that exists', () => {
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const id of refs) expect(schemas).toHaveProperty([id]);
  });
});
