import type { GpuPool } from './config';

/** Label and taint keys every pool's nodes carry and every pool's workers select on. */
export const POOL_LABEL = 'darkroom.io/pool';
export const GPU_LABEL = 'darkroom.io/gpu';
export const GPU_RESOURCE = 'nvidia.com/gpu';

export interface PoolCapacity {
  /** Worker pods that fit on one node (each takes gpu.perWorker GPUs). */
  workersPerNode: number;
  /** KEDA bounds: minNodes / maxNodes worth of workers. */
  minReplicas: number;
  maxReplicas: number;
  /** GPUs the pool may hold at most (the Karpenter NodePool limit). */
  gpuLimit: number;
}

/**
 * Node counts become worker counts: Karpenter has no "minimum nodes", it launches nodes for pending pods,
 * so a pool's minimum is kept by keeping minNodes × workersPerNode workers, and its maximum by both the
 * NodePool's GPU limit and KEDA's maxReplicaCount.
 */
export function poolCapacity(pool: GpuPool): PoolCapacity {
  const workersPerNode = Math.floor(pool.gpu.countPerNode / pool.gpu.perWorker);
  return {
    workersPerNode,
    minReplicas: pool.minNodes * workersPerNode,
    maxReplicas: pool.maxNodes * workersPerNode,
    gpuLimit: pool.maxNodes * pool.gpu.countPerNode,
  };
}

/** The taints a pool's nodes carry: GPU nodes only for GPU pods, and this pool's nodes only for its workers. */
export function poolTaints(pool: GpuPool): Array<{ key: string; value?: string; effect: 'NoSchedule' }> {
  return [
    { key: GPU_RESOURCE, value: 'true', effect: 'NoSchedule' },
    { key: POOL_LABEL, value: pool.name, effect: 'NoSchedule' },
  ];
}

/** The tolerations matching poolTaints, for the pool's worker pods. */
export function poolTolerations(pool: GpuPool): Array<{ key: string; operator: 'Equal' | 'Exists'; value?: string; effect: 'NoSchedule' }> {
  return [
    { key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' },
    { key: POOL_LABEL, operator: 'Equal', value: pool.name, effect: 'NoSchedule' },
  ];
}

/** The labels a pool's nodes carry (worker nodeSelector uses the pool label). */
export function poolNodeLabels(pool: GpuPool): Record<string, string> {
  return { [POOL_LABEL]: pool.name, [GPU_LABEL]: pool.gpu.type };
}

