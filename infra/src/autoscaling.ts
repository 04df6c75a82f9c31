import * as k8s from '@pulumi/kubernetes';
import type { GpuPool, StackConfig } from './config';
import { workerDeploymentName } from './chart-values';
import { POOL_LABEL, poolCapacity } from './pool-capacity';
import { resourceOptions, type Scope } from './scope';

/**
 * The PromQL KEDA runs for a pool: its waiting jobs. Every API replica reports the same queue length (it reads
 * the Redis zset), so the series are combined with max, not sum.
 */
export function queueLengthQuery(pool: GpuPool, config: StackConfig): string {
  const extra = config.autoscaling.metricSelector.trim().replace(/,\s*$/, '');
  return `max(darkroom_queue_length{pool="${pool.name}"${extra ? `,${extra}` : ''}})`;
}

/**
 * KEDA ScaledObject of one pool's worker Deployment: replicas = ceil(waiting jobs / jobsPerWorker), between
 * minNodes and maxNodes worth of workers. The HPA KEDA makes scales down slowly (stabilization window), and
 * with minNodes 0 the pool goes to zero after cooldownSeconds without waiting jobs.
 */
export function workerScaledObject(pool: GpuPool, config: StackConfig) {
  const { minReplicas, maxReplicas } = poolCapacity(pool);
  const { autoscaling } = config;
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: {
      name: workerDeploymentName(pool.name),
      namespace: config.namespace,
      labels: { 'app.kubernetes.io/part-of': 'darkroom', 'app.kubernetes.io/managed-by': 'pulumi', [POOL_LABEL]: pool.name },
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: workerDeploymentName(pool.name) },
      minReplicaCount: minReplicas,
      maxReplicaCount: maxReplicas,
      pollingInterval: autoscaling.pollingIntervalSeconds,
      cooldownPeriod: autoscaling.cooldownSeconds,
      // Prometheus unreachable or the series gone: keep at least one worker rather than strand the queue.
      fallback: { failureThreshold: 3, replicas: Math.max(minReplicas, 1) },
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: {
              stabilizationWindowSeconds: autoscaling.scaleDownStabilizationSeconds,
              policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
            },
          },
        },
      },
      triggers: [
        {
          type: 'prometheus',
          metadata: {
            serverAddress: autoscaling.prometheusAddress,
            query: queueLengthQuery(pool, config),
            threshold: String(pool.jobsPerWorker),
            // Above 0 waiting jobs a pool at zero gets its first worker.
            activationThreshold: '0',
            // A missing series is an error (→ fallback), not "0 jobs" (→ scale to zero).
            ignoreNullValues: 'false',
          },
        },
      ],
    },
  };
}

export function createWorkerScaledObjects(config: StackConfig, scope: Scope = {}): k8s.apiextensions.CustomResource[] {
  return config.pools.map(
    (pool) =>
      new k8s.apiextensions.CustomResource(
        `${workerDeploymentName(pool.name)}-scaledobject`,
        workerScaledObject(pool, config) as k8s.apiextensions.CustomResourceArgs,
        resourceOptions(scope),
      ),
  );
}
