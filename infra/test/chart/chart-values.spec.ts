import { skipReason, tryRenderChart } from '../helm-render';

/** values.schema.json and the templates' own checks turn bad values away before anything is installed. */
const SECRETS = {
  databaseUrl: 'postgresql://darkroom:pw@postgres:5432/darkroom',
  redisUrl: 'redis://redis:6379',
  urlSigningSecret: '0123456789abcdef0123456789abcdef',
};

function errorOf(values: Record<string, unknown>): string {
  const result = tryRenderChart({ secrets: SECRETS, ...values });
  if (result.ok) throw new Error('the values were accepted');
  return result.error;
}

(skipReason ? describe.skip : describe)(`charts/darkroom values${skipReason}`, () => {
  it('accepts the defaults plus the three connection settings', () => {
    expect(tryRenderChart({ secrets: SECRETS }).ok).toBe(true);
  });

  it('requires the connection settings unless an existing Secret is named', () => {
    const error = errorOf({ secrets: { databaseUrl: 'mysql://x', urlSigningSecret: 'short' } });
    expect(error).toContain("values don't meet the specifications of the schema(s)");
    expect(error).toContain("secrets.databaseUrl: Does not match pattern '^postgres(ql)?://'");
    expect(error).toContain("secrets.redisUrl: Does not match pattern '^rediss?://'"); // left empty
    expect(error).toContain('secrets.urlSigningSecret: String length must be greater than or equal to 32');
    expect(tryRenderChart({ secrets: { existingSecret: 'darkroom-env' } }).ok).toBe(true);
  });

  it('rejects malformed worker pools', () => {
    const error = errorOf({ workers: [{ name: 'L4 pool', families: ['SD3'], executionProvider: 'rocm', concurrency: 0, gpus: 1 }] });
    expect(error).toContain("workers.0.name: Does not match pattern '^[a-z0-9-]{1,32}$'");
    expect(error).toContain('workers.0.families.0: workers.0.families.0 must be one of the following: "SD1", "SD2", "SDXL"');
    expect(error).toContain('workers.0.executionProvider: workers.0.executionProvider must be one of the following: "cpu", "cuda", "webgpu"');
    expect(error).toContain('workers.0.concurrency: Must be greater than or equal to 1');
    expect(error).toContain('workers.0: Additional property gpus is not allowed');
    expect(errorOf({ workers: [] })).toContain('workers: Array must have at least 1 items');
    expect(errorOf({ workers: [{ name: 'a' }] })).toContain('workers.0: families is required');
  });

  it('rejects a pool listed twice and an API autoscaler whose minimum exceeds its maximum', () => {
    expect(errorOf({ workers: [{ name: 'a', families: ['SD1'] }, { name: 'a', families: ['SDXL'] }] })).toContain('workers: pool "a" is listed twice');
    expect(errorOf({ api: { port: 8080, autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } } })).toContain(
      'api.autoscaling.minReplicas must not exceed maxReplicas',
    );
  });

  it('keeps secrets and chart-owned names out of the ConfigMap, and typos out of the values', () => {
    const error = errorOf({ config: { DATABASE_URL: 'postgresql://leak', POOLS: 'x=SD1', LOG_LEVEL: 'loud' }, worker: {} });
    expect(error).toContain('config: Property name of "DATABASE_URL" does not match');
    expect(error).toContain('config: Property name of "POOLS" does not match');
    expect(error).toContain('config.LOG_LEVEL: config.LOG_LEVEL must be one of the following');
    expect(error).toContain('(root): Additional property worker is not allowed');
  });

  it('rejects bad storage, ports and hosts', () => {
    const error = errorOf({
      persistence: { storage: { type: 'hostPath', mountPath: 'data' }, models: { type: 'pvc', mountPath: '/m' } },
      networkPolicy: { postgres: { port: 70000 } },
      ingress: { api: { host: 'API.Example.com' } },
    });
    expect(error).toContain('persistence.storage.type: persistence.storage.type must be one of the following: "pvc", "emptyDir"');
    expect(error).toContain("persistence.storage.mountPath: Does not match pattern '^/'");
    expect(error).toContain('networkPolicy.postgres.port: Must be less than or equal to 65535');
    expect(error).toContain('ingress.api.host: Does not match pattern');
  });

  it('needs PUBLIC_BASE_URL when no ingress publishes the API', () => {
    expect(errorOf({ ingress: { enabled: false } })).toContain('config.PUBLIC_BASE_URL is required when the ingress does not publish the API');
    expect(tryRenderChart({ secrets: SECRETS, ingress: { enabled: false }, config: { PUBLIC_BASE_URL: 'https://api.internal' } }).ok).toBe(true);
  });
});
