import * as pulumi from '@pulumi/pulumi';
import { parseStackConfig, readStackConfig, StackConfigError } from './config';
import { A100_ON_DEMAND, L4_SPOT, pulumiConfigMap, rawConfig, SECRET_VALUES } from '../test/stack-fixtures';
import { valueOf } from '../test/pulumi-mocks';

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    if (e instanceof StackConfigError) return e.problems;
    throw e;
  }
  throw new Error('the config was accepted');
}

describe('stack config', () => {
  it('accepts the README stack and fills the defaults', () => {
    const config = parseStackConfig(rawConfig());
    expect(config.namespace).toBe('darkroom');
    expect(config.nodeProvisioner).toBe('karpenter');
    expect(config.api).toEqual({ host: 'api.darkroom.example', minReplicas: 2, maxReplicas: 8, targetCpuPercent: 70 });
    expect(config.karpenter.amiAlias).toBe('al2023@latest');
    expect(config.devicePlugin).toEqual({ enabled: true, image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1' });
    expect(config.autoscaling).toMatchObject({ pollingIntervalSeconds: 15, cooldownSeconds: 300, metricSelector: '' });
    const [l4, a100] = config.pools;
    expect(l4).toMatchObject({ name: 'l4', capacityType: 'spot', minNodes: 0, maxNodes: 6, engine: 'onnx', jobsPerWorker: 2, gpu: { perWorker: 1 } });
    expect(a100).toMatchObject({ name: 'a100', capacityType: 'on-demand', workerConcurrency: 2, workerMemory: '120Gi', diskSizeGi: 200 });
  });

  it('turns the three connection settings into Pulumi secrets', async () => {
    const { secrets } = parseStackConfig(rawConfig());
    for (const key of ['databaseUrl', 'redisUrl', 'urlSigningSecret'] as const) {
      expect(await pulumi.isSecret(secrets[key])).toBe(true);
      expect(await valueOf(secrets[key])).toBe(SECRET_VALUES[key]);
    }
    expect(Object.keys(parseStackConfig(rawConfig()))).not.toContain('databaseUrl');
  });

  it('lists every problem at once, with the config key to fix', () => {
    const problems = problemsOf(
      rawConfig({
        pools: [{ ...L4_SPOT, name: 'L4!', capacityType: 'preemptible', families: ['SD3'] }, { ...A100_ON_DEMAND, minNodes: 5, maxNodes: 2 }],
        api: { host: 'not a host' },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^darkroom:pools\[0\]\.name: must match \[a-z0-9-\]\{1,32\}/),
        'darkroom:pools[0].capacityType: must be "on-demand" or "spot"',
        'darkroom:pools[0].families[0]: must be one of SD1, SD2, SDXL',
        'darkroom:pools[1].minNodes: must not exceed maxNodes (2)',
        'darkroom:api.host: must be a DNS name such as api.example.com',
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('rejects duplicate pools, too many GPUs per worker and an empty pool list', () => {
    expect(problemsOf(rawConfig({ pools: [L4_SPOT, { ...A100_ON_DEMAND, name: 'l4' }] }))).toEqual(['darkroom:pools[1].name: pool "l4" is listed twice']);
    expect(problemsOf(rawConfig({ pools: [{ ...L4_SPOT, gpu: { type: 'nvidia-l4', countPerNode: 1, perWorker: 2 } }] }))).toEqual([
      'darkroom:pools[0].gpu.perWorker: must not exceed gpu.countPerNode (1)',
    ]);
    expect(problemsOf(rawConfig({ pools: [] }))).toEqual(['darkroom:pools: at least one GPU pool is required']);
    expect(problemsOf(rawConfig({ pools: undefined }))).toEqual([expect.stringMatching(/^darkroom:pools: /)]);
  });

  it('says how to set a missing secret and never repeats a secret value', () => {
    const missing = rawConfig();
    delete missing.databaseUrl;
    delete missing.urlSigningSecret;
    expect(problemsOf(missing)).toEqual([
      'darkroom:databaseUrl: is required: pulumi config set --secret databaseUrl postgresql://…',
      'darkroom:urlSigningSecret: is required: pulumi config set --secret urlSigningSecret "$(openssl rand -hex 32)"',
    ]);
    const bad = problemsOf(rawConfig({ databaseUrl: 'mysql://root:hunter2-secret@db/x', redisUrl: 'http://redis', urlSigningSecret: 'short-secret-value' }));
    expect(bad).toEqual([
      'darkroom:databaseUrl: must be a postgresql:// URL',
      'darkroom:redisUrl: must be a redis:// or rediss:// URL',
      'darkroom:urlSigningSecret: must be at least 32 characters',
    ]);
    expect(bad.join('\n')).not.toMatch(/hunter2|short-secret-value/);
  });

  it('rejects unknown keys, reserved env, and Karpenter without its cluster settings', () => {
    const raw = rawConfig({ pool: [], env: { POOLS: 'x=SD1', DATABASE_URL: 'postgresql://x' }, karpenter: {} });
    delete raw.clusterName;
    expect(problemsOf(raw)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^darkroom:pool: unknown key \(known: .*pools/),
        'darkroom:env.POOLS: is set by the program (secrets have their own keys)',
        'darkroom:env.DATABASE_URL: is set by the program (secrets have their own keys)',
        'darkroom:clusterName: is required with nodeProvisioner karpenter',
        'darkroom:karpenter.nodeRole: is required with nodeProvisioner karpenter',
      ]),
    );
    // Node groups made elsewhere need neither.
    const managed = rawConfig({ nodeProvisioner: 'managed', karpenter: {} });
    delete managed.clusterName;
    expect(() => parseStackConfig(managed)).not.toThrow();
  });

  it('refuses a second device plugin on Bottlerocket and storage CIDRs without ports', () => {
    expect(problemsOf(rawConfig({ karpenter: { nodeRole: 'r', amiAlias: 'bottlerocket@latest' } }))).toEqual([
      "darkroom:devicePlugin.enabled: must be false with Bottlerocket, whose NVIDIA variant runs NVIDIA's device plugin itself",
    ]);
    expect(() => parseStackConfig(rawConfig({ karpenter: { nodeRole: 'r', amiAlias: 'bottlerocket@latest' }, devicePlugin: { enabled: false } }))).not.toThrow();
    expect(problemsOf(rawConfig({ network: { storageCidrs: ['10.0.0.0/8'] } }))).toEqual(['darkroom:network.storagePorts: is required when storageCidrs is set']);
    expect(problemsOf(rawConfig({ autoscaling: { prometheusAddress: 'prometheus:9090' } }))).toEqual([
      'darkroom:autoscaling.prometheusAddress: must be the URL of the Prometheus server, e.g. http://prometheus-operated.monitoring.svc:9090',
    ]);
  });

  it('reads the stack config from Pulumi (objects as JSON, the rest as strings)', () => {
    pulumi.runtime.setAllConfig(pulumiConfigMap(rawConfig()), ['darkroom:databaseUrl', 'darkroom:redisUrl', 'darkroom:urlSigningSecret']);
    const config = readStackConfig();
    expect(config.pools.map((p) => p.name)).toEqual(['l4', 'a100']);
    expect(config.api.minReplicas).toBe(2);

    pulumi.runtime.setAllConfig({ ...pulumiConfigMap(rawConfig()), 'darkroom:pools': 'l4' });
    expect(() => readStackConfig()).toThrow('darkroom:pools: is not a structured value (set it with `pulumi config set --path`)');
    pulumi.runtime.setAllConfig({});
  });
});
