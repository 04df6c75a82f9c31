import type { StackConfig } from './config';
import { POOL_LABEL, poolTolerations, GPU_RESOURCE } from './pool-capacity';

/** The release is named so that every object name is predictable (KEDA targets `darkroom-worker-<pool>`). */
export const RELEASE_NAME = 'darkroom';
export const FULLNAME = 'darkroom';
/** The Secret (made by Pulumi, not the chart) with DATABASE_URL, REDIS_URL and URL_SIGNING_SECRET. */
export const ENV_SECRET_NAME = 'darkroom-env';

export const workerDeploymentName = (pool: string) => `${FULLNAME}-worker-${pool}`;

export function apiUrl(config: StackConfig): string {
  return `${config.ingress.tls ? 'https' : 'http'}://${config.api.host}`;
}

export function dashboardUrl(config: StackConfig): string {
  return `${config.ingress.tls ? 'https' : 'http'}://${config.dashboard.host}`;
}

const namespacePeer = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const cidrPeers = (cidrs: string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));

/**
 * Values for charts/darkroom computed from the stack config: one worker pool per GPU pool, pinned to its
 * nodes, requesting its GPUs, its replica count left to KEDA. Secrets are not in here: the chart reads
 * the Secret this program creates (existingSecret), so they never enter the Helm release's values.
 */
export function chartValues(config: StackConfig) {
  const { network } = config;
  return {
    fullnameOverride: FULLNAME,
    image: { registry: config.images.registry, tag: config.images.tag, pullPolicy: config.images.pullPolicy },
    config: { NODE_ENV: 'production', ...config.env, PUBLIC_BASE_URL: apiUrl(config) },
    secrets: { existingSecret: ENV_SECRET_NAME },
    persistence: {
      storage: { type: 'pvc', storageClassName: config.storage.storageClassName, size: config.storage.size, accessModes: ['ReadWriteMany'] },
      models: {
        type: 'pvc',
        storageClassName: config.storage.modelsStorageClassName ?? config.storage.storageClassName,
        size: config.storage.modelsSize,
        accessModes: ['ReadWriteMany'],
        readOnly: true,
      },
    },
    api: {
      autoscaling: {
        enabled: true,
        minReplicas: config.api.minReplicas,
        maxReplicas: config.api.maxReplicas,
        targetCPUUtilizationPercentage: config.api.targetCpuPercent,
      },
    },
    dashboard: { enabled: config.dashboard.replicas > 0, replicas: config.dashboard.replicas },
    workers: config.pools.map((pool) => ({
      name: pool.name,
      families: pool.families,
      autoscaled: true,
      engine: pool.engine,
      executionProvider: 'cuda',
      concurrency: pool.workerConcurrency,
      gpu: pool.gpu.perWorker,
      gpuResource: GPU_RESOURCE,
      resources: {
        requests: { cpu: pool.workerCpu, memory: pool.workerMemory },
        limits: { memory: pool.workerMemory },
      },
      nodeSelector: { [POOL_LABEL]: pool.name },
      tolerations: poolTolerations(pool),
    })),
    ingress: {
      enabled: true,
      className: config.ingress.className,
      annotations: config.ingress.annotations,
      api: { host: config.api.host },
      dashboard: { host: config.dashboard.host },
      tls: { enabled: config.ingress.tls, secretName: config.ingress.tlsSecretName },
    },
    metrics: { podAnnotations: true },
    networkPolicy: {
      enabled: true,
      ingressFrom: network.ingressNamespace ? [namespacePeer(network.ingressNamespace)] : [],
      metricsFrom: network.monitoringNamespace ? [namespacePeer(network.monitoringNamespace)] : [],
      postgres: { port: network.postgresPort, to: cidrPeers(network.postgresCidrs) },
      redis: { port: network.redisPort, to: cidrPeers(network.redisCidrs) },
      storage: { ports: network.storagePorts, to: cidrPeers(network.storageCidrs) },
    },
  };
}

export type ChartValues = ReturnType<typeof chartValues>;
