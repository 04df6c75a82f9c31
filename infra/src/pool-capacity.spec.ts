import { stackConfig } from '../test/stack-fixtures';
import { poolCapacity, poolNodeLabels, poolTaints, poolTolerations } from './pool-capacity';

describe('pool capacity', () => {
  it('turns node bounds into worker bounds and a GPU limit', () => {
    const [l4, a100] = stackConfig().pools;
    expect(poolCapacity(l4)).toEqual({ workersPerNode: 1, minReplicas: 0, maxReplicas: 6, gpuLimit: 6 });
    expect(poolCapacity(a100)).toEqual({ workersPerNode: 8, minReplicas: 8, maxReplicas: 16, gpuLimit: 16 });
    expect(poolCapacity({ ...a100, gpu: { type: 'nvidia-a100', countPerNode: 8, perWorker: 3 } })).toMatchObject({ workersPerNode: 2, maxReplicas: 4 });
  });

  it('gives workers exactly the tolerations for their own pool\'s taints', () => {
    const [l4, a100] = stackConfig().pools;
    const tolerates = (pool: typeof l4, taint: { key: string; value?: string }) =>
      poolTolerations(pool).some((t) => t.key === taint.key && (t.operator === 'Exists' || t.value === taint.value));
    expect(poolTaints(l4).every((taint) => tolerates(l4, taint))).toBe(true);
    expect(poolTaints(a100).every((taint) => tolerates(l4, taint))).toBe(false);
    expect(poolNodeLabels(a100)).toEqual({ 'darkroom.io/pool': 'a100', 'darkroom.io/gpu': 'nvidia-a100' });
  });
});
