import { existsSync } from 'node:fs';
import path from 'node:path';
import { workerEnvSchema } from '@darkroom/config';
import { findManifest, renderChart, skipReason } from '../test/helm-render';
import { schemaProblems } from '../test/k8s-validate';
import { installPulumiMocks, isSecretInput, recordedOf, settle, type RecordedResource } from '../test/pulumi-mocks';
import { SECRET_VALUES, stackConfig } from '../test/stack-fixtures';
import { chartValues } from './chart-values';
import { CHART_PATH, createPlatformRelease } from './release';

describe('the platform release', () => {
  let recorded: RecordedResource[];
  beforeAll(async () => {
    recorded = await installPulumiMocks();
    const { secret, release } = createPlatformRelease(stackConfig());
    await settle([secret, release]);
  });

  it('keeps the connection settings in a Secret whose data Pulumi treats as secret', () => {
    const [{ inputs }] = recordedOf(recorded, 'kubernetes:core/v1:Secret');
    expect(inputs.metadata).toMatchObject({ name: 'darkroom-env', namespace: 'darkroom' });
    expect(isSecretInput(inputs.stringData)).toBe(true);
    expect((inputs.stringData as { value: unknown }).value).toEqual({
      DATABASE_URL: SECRET_VALUES.databaseUrl,
      REDIS_URL: SECRET_VALUES.redisUrl,
      URL_SIGNING_SECRET: SECRET_VALUES.urlSigningSecret,
    });
  });

  it('installs charts/darkroom as Helm release "darkroom" with values free of secrets', () => {
    const [{ inputs }] = recordedOf(recorded, 'kubernetes:helm.sh/v3:Release');
    expect(inputs).toMatchObject({ name: 'darkroom', namespace: 'darkroom', chart: CHART_PATH, timeout: 900 });
    expect(existsSync(path.join(CHART_PATH, 'Chart.yaml'))).toBe(true);
    // Plain values (readable in `pulumi preview` diffs) that only name the Secret.
    expect(isSecretInput(inputs.values)).toBe(false);
    expect(inputs.values.secrets).toEqual({ existingSecret: 'darkroom-env' });
    const text = JSON.stringify(inputs.values);
    for (const value of Object.values(SECRET_VALUES)) expect(text).not.toContain(value);
  });

  it('passes one worker pool per GPU pool, pinned to its nodes and requesting its GPUs', () => {
    const [{ inputs }] = recordedOf(recorded, 'kubernetes:helm.sh/v3:Release');
    expect(inputs.values.workers).toEqual([
      {
        name: 'l4',
        families: ['SD1'],
        autoscaled: true,
        engine: 'onnx',
        executionProvider: 'cuda',
        concurrency: 1,
        gpu: 1,
        gpuResource: 'nvidia.com/gpu',
        resources: { requests: { cpu: '3', memory: '12Gi' }, limits: { memory: '12Gi' } },
        nodeSelector: { 'darkroom.io/pool': 'l4' },
        tolerations: [
          { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
          { key: 'darkroom.io/pool', operator: 'Equal', value: 'l4', effect: 'NoSchedule' },
        ],
      },
      expect.objectContaining({ name: 'a100', families: ['SDXL'], concurrency: 2, nodeSelector: { 'darkroom.io/pool': 'a100' } }),
    ]);
  });

  it('opens the API and dashboard to the ingress namespace only and pins worker egress to the database CIDRs', () => {
    const { networkPolicy, config, api } = chartValues(stackConfig());
    expect(networkPolicy).toEqual({
      enabled: true,
      ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      postgres: { port: 5432, to: [{ ipBlock: { cidr: '10.20.0.0/24' } }] },
      redis: { port: 6379, to: [{ ipBlock: { cidr: '10.20.1.0/24' } }] },
      storage: { ports: [], to: [] },
    });
    expect(config).toEqual({ NODE_ENV: 'production', LOG_LEVEL: 'info', RATE_LIMIT_PER_SEC: '10', PUBLIC_BASE_URL: 'https://api.darkroom.example' });
    expect(api.autoscaling).toEqual({ enabled: true, minReplicas: 2, maxReplicas: 8, targetCPUUtilizationPercentage: 70 });
  });

  (skipReason ? describe.skip : describe)(`rendered by the chart${skipReason}`, () => {
    it('gives valid manifests whose worker pods run where and as the stack says', () => {
      const { manifests } = renderChart(chartValues(stackConfig()));
      expect(schemaProblems(manifests).invalid).toEqual([]);
      const a100 = findManifest(manifests, 'Deployment', 'darkroom-worker-a100').spec.template.spec;
      expect(a100.nodeSelector).toEqual({ 'darkroom.io/pool': 'a100' });
      expect(a100.containers[0].resources).toEqual({
        requests: { cpu: '10', memory: '120Gi', 'nvidia.com/gpu': 1 },
        limits: { memory: '120Gi', 'nvidia.com/gpu': 1 },
      });
      expect(a100.containers[0].image).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/darkroom/darkroom-worker-cuda:1.4.2');
      // The env a worker of this pool starts with passes the worker's own validation.
      const configMap = findManifest(manifests, 'ConfigMap', 'darkroom-config').data as Record<string, string>;
      const env = Object.fromEntries(a100.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
      const parsed = workerEnvSchema.safeParse({ ...configMap, ...env, DATABASE_URL: SECRET_VALUES.databaseUrl, REDIS_URL: SECRET_VALUES.redisUrl, URL_SIGNING_SECRET: SECRET_VALUES.urlSigningSecret });
      expect(parsed.success && parsed.data).toMatchObject({ WORKER_POOL: 'a100', WORKER_CONCURRENCY: 2, EXECUTION_PROVIDER: 'cuda', POOLS: { l4: ['SD1'], a100: ['SDXL'] } });
      expect(findManifest(manifests, 'Deployment', 'darkroom-api').spec.template.spec.containers[0].envFrom).toContainEqual({ secretRef: { name: 'darkroom-env' } });
      // No chart-made Secret: the Pulumi one is used.
      expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    });
  });
});
