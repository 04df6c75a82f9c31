import { findManifest, renderChart, skipReason } from '../test/helm-render';
import { installPulumiMocks, recordedNamed, recordedOf, settle, type RecordedResource } from '../test/pulumi-mocks';
import { stackConfig } from '../test/stack-fixtures';
import { createWorkerScaledObjects, queueLengthQuery } from './autoscaling';
import { chartValues } from './chart-values';

const SCALED_OBJECT = 'kubernetes:keda.sh/v1alpha1:ScaledObject';

describe('KEDA autoscaling of worker pools', () => {
  let recorded: RecordedResource[];
  beforeAll(async () => {
    recorded = await installPulumiMocks();
    await settle(createWorkerScaledObjects(stackConfig()));
  });

  it('scales each pool on its waiting jobs in Prometheus', () => {
    const [l4, a100] = recordedOf(recorded, SCALED_OBJECT).map((r) => r.inputs);
    expect(l4.metadata).toMatchObject({ name: 'darkroom-worker-l4', namespace: 'darkroom' });
    expect(l4.spec.triggers).toEqual([
      {
        type: 'prometheus',
        metadata: {
          serverAddress: 'http://prometheus-operated.monitoring.svc:9090',
          query: 'max(darkroom_queue_length{pool="l4"})',
          threshold: '2',
          activationThreshold: '0',
          ignoreNullValues: 'false',
        },
      },
    ]);
    expect(a100.spec.triggers[0].metadata.query).toBe('max(darkroom_queue_length{pool="a100"})');
  });

  it('bounds replicas by the pool size in workers: spot L4 down to zero, A100 keeps one node', () => {
    const l4 = recordedNamed(recorded, SCALED_OBJECT, 'darkroom-worker-l4-scaledobject').inputs.spec;
    expect(l4).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 6, pollingInterval: 15, cooldownPeriod: 300 });
    expect(l4.fallback).toEqual({ failureThreshold: 3, replicas: 1 });
    const a100 = recordedNamed(recorded, SCALED_OBJECT, 'darkroom-worker-a100-scaledobject').inputs.spec;
    // 8 GPUs per p4d node, one GPU per worker: 1 node = 8 workers, 2 nodes = 16.
    expect(a100).toMatchObject({ minReplicaCount: 8, maxReplicaCount: 16 });
    expect(a100.fallback).toEqual({ failureThreshold: 3, replicas: 8 });
  });

  it('scales down one worker a minute after a stable window', () => {
    const { advanced } = recordedNamed(recorded, SCALED_OBJECT, 'darkroom-worker-l4-scaledobject').inputs.spec;
    expect(advanced.horizontalPodAutoscalerConfig.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 600,
      policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
    });
  });

  it('narrows the query with the configured label matchers', () => {
    const config = stackConfig({ autoscaling: { prometheusAddress: 'http://prom:9090', metricSelector: 'namespace="darkroom", job="api",' } });
    expect(queueLengthQuery(config.pools[0], config)).toBe('max(darkroom_queue_length{pool="l4",namespace="darkroom", job="api"})');
  });

  (skipReason ? describe.skip : describe)(`against the rendered chart${skipReason}`, () => {
    it('targets the worker Deployment the chart renders for each pool, which leaves replicas to KEDA', () => {
      const { manifests } = renderChart(chartValues(stackConfig()));
      for (const { inputs } of recordedOf(recorded, SCALED_OBJECT)) {
        const target = findManifest(manifests, 'Deployment', inputs.spec.scaleTargetRef.name);
        expect(target.spec.replicas).toBeUndefined();
        expect(target.spec.template.spec.containers[0].env).toContainEqual({ name: 'WORKER_POOL', value: inputs.metadata.labels['darkroom.io/pool'] });
      }
    });
  });
});
