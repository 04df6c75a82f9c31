import { parseStackConfig, type StackConfig } from '../src/config';

export const SECRET_VALUES = {
  databaseUrl: 'postgresql://darkroom:db-password-123@db.internal:5432/darkroom',
  redisUrl: 'rediss://:redis-password-456@redis.internal:6380',
  urlSigningSecret: 'a'.repeat(24) + 'signing-secret-789',
};

/** The two pools of the README: SD1.5 on L4 spot (scales to zero), SDXL on A100 on-demand (one node kept). */
export const L4_SPOT = {
  name: 'l4',
  gpu: { type: 'nvidia-l4', countPerNode: 1 },
  instanceTypes: ['g6.xlarge', 'g6.2xlarge'],
  capacityType: 'spot',
  minNodes: 0,
  maxNodes: 6,
  families: ['SD1'],
  workerConcurrency: 1,
};
export const A100_ON_DEMAND = {
  name: 'a100',
  gpu: { type: 'nvidia-a100', countPerNode: 8 },
  instanceTypes: ['p4d.24xlarge'],
  capacityType: 'on-demand',
  minNodes: 1,
  maxNodes: 2,
  families: ['SDXL'],
  workerConcurrency: 2,
  workerCpu: '10',
  workerMemory: '120Gi',
};

/** Raw stack config, as `pulumi config` would hold it (numbers partly as strings, like `pulumi config set`). */
export function rawConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    namespace: 'darkroom',
    clusterName: 'gpu-prod',
    karpenter: { nodeRole: 'KarpenterNodeRole-gpu-prod' },
    images: { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/darkroom', tag: '1.4.2' },
    api: { host: 'api.darkroom.example', minReplicas: '2', maxReplicas: 8 },
    dashboard: { host: 'app.darkroom.example' },
    storage: { storageClassName: 'efs-sc' },
    network: {
      postgresCidrs: ['10.20.0.0/24'],
      redisCidrs: ['10.20.1.0/24'],
      ingressNamespace: 'ingress-nginx',
      monitoringNamespace: 'monitoring',
    },
    autoscaling: { prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090' },
    env: { LOG_LEVEL: 'info', RATE_LIMIT_PER_SEC: '10' },
    pools: [L4_SPOT, A100_ON_DEMAND],
    ...SECRET_VALUES,
    ...overrides,
  };
}

export function stackConfig(overrides: Record<string, unknown> = {}): StackConfig {
  return parseStackConfig(rawConfig(overrides));
}

/** Pulumi's flat config map (`darkroom:key` → string; objects as JSON), for pulumi.runtime.setAllConfig. */
export function pulumiConfigMap(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`darkroom:${k}`, typeof v === 'string' ? v : JSON.stringify(v)]));
}
