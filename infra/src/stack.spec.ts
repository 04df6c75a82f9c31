import * as pulumi from '@pulumi/pulumi';
import { installPulumiMocks, recordedNamed, recordedOf, settle, type RecordedResource } from '../test/pulumi-mocks';
import { A100_ON_DEMAND, L4_SPOT, pulumiConfigMap, rawConfig, stackConfig } from '../test/stack-fixtures';
import { createDarkroomStack } from './stack';

const T = {
  namespace: 'kubernetes:core/v1:Namespace',
  nodePool: 'kubernetes:karpenter.sh/v1:NodePool',
  nodeClass: 'kubernetes:karpenter.k8s.aws/v1:EC2NodeClass',
  daemonSet: 'kubernetes:apps/v1:DaemonSet',
  secret: 'kubernetes:core/v1:Secret',
  release: 'kubernetes:helm.sh/v3:Release',
  scaledObject: 'kubernetes:keda.sh/v1alpha1:ScaledObject',
};

let recorded: RecordedResource[];
beforeAll(async () => {
  recorded = await installPulumiMocks();
});
beforeEach(() => recorded.splice(0));

/** Declares a stack with these pools and returns what the engine received for the first one. */
async function deployPool(pool: Record<string, unknown>) {
  const stack = createDarkroomStack(stackConfig({ pools: [pool] }));
  await settle(stack.resources);
  const name = pool.name as string;
  const release = recordedOf(recorded, T.release)[0].inputs.values;
  return {
    stack,
    nodePool: recordedNamed(recorded, T.nodePool, `darkroom-${name}-nodepool`).inputs.spec,
    scaledObject: recordedNamed(recorded, T.scaledObject, `darkroom-worker-${name}-scaledobject`).inputs.spec,
    worker: release.workers[0],
    pools: release.config,
  };
}

describe('pool shapes', () => {
  it('spot pool that scales to zero: spot capacity, min 0 workers, GPU limit from maxNodes', async () => {
    const { nodePool, scaledObject, worker, stack } = await deployPool(L4_SPOT);
    expect(nodePool.template.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] });
    expect(nodePool.limits).toEqual({ 'nvidia.com/gpu': '6' });
    expect(scaledObject).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 6, scaleTargetRef: { name: 'darkroom-worker-l4' } });
    expect(worker).toMatchObject({ name: 'l4', autoscaled: true, gpu: 1, nodeSelector: { 'darkroom.io/pool': 'l4' } });
    expect(stack.outputs.pools).toEqual([{ name: 'l4', gpuType: 'nvidia-l4', capacityType: 'spot', minWorkers: 0, maxWorkers: 6, maxGpus: 6 }]);
  });

  it('on-demand pool that keeps a node: on-demand capacity, min = one node of workers', async () => {
    const { nodePool, scaledObject, worker } = await deployPool(A100_ON_DEMAND);
    expect(nodePool.template.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] });
    expect(nodePool.template.spec.requirements).toContainEqual({ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['p4d.24xlarge'] });
    expect(scaledObject).toMatchObject({ minReplicaCount: 8, maxReplicaCount: 16 });
    expect(worker).toMatchObject({ name: 'a100', concurrency: 2, tolerations: expect.arrayContaining([{ key: 'darkroom.io/pool', operator: 'Equal', value: 'a100', effect: 'NoSchedule' }]) });
  });

  it('multi-GPU workers: a worker takes several GPUs, so fewer workers fit a node', async () => {
    const { nodePool, scaledObject, worker } = await deployPool({
      ...A100_ON_DEMAND,
      name: 'a100x2',
      minNodes: 0,
      maxNodes: 3,
      capacityType: 'spot',
      gpu: { type: 'nvidia-a100', countPerNode: 8, perWorker: 2 },
    });
    expect(nodePool.limits).toEqual({ 'nvidia.com/gpu': '24' });
    expect(scaledObject).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 12 });
    expect(worker.gpu).toBe(2);
  });
});

describe('the whole stack', () => {
  it('declares namespace, node pools, device plugin, Secret, release and scalers', async () => {
    const stack = createDarkroomStack(stackConfig());
    await settle(stack.resources);
    const count = (type: string) => recordedOf(recorded, type).length;
    expect([T.namespace, T.nodeClass, T.nodePool, T.daemonSet, T.secret, T.release, T.scaledObject].map(count)).toEqual([1, 2, 2, 1, 1, 1, 2]);
    expect(recordedOf(recorded, T.namespace)[0].inputs.metadata.name).toBe('darkroom');
    expect(stack.outputs).toMatchObject({
      apiUrl: 'https://api.darkroom.example',
      dashboardUrl: 'https://app.darkroom.example',
      poolNames: ['l4', 'a100'],
      managedNodeGroups: undefined,
    });
  });

  it('with managed node groups: no Karpenter objects, the node group specs as an output', async () => {
    const stack = createDarkroomStack(stackConfig({ nodeProvisioner: 'managed', devicePlugin: { enabled: false }, ingress: { tls: false } }));
    await settle(stack.resources);
    expect(recordedOf(recorded, T.nodePool)).toEqual([]);
    expect(recordedOf(recorded, T.nodeClass)).toEqual([]);
    expect(recordedOf(recorded, T.daemonSet)).toEqual([]);
    expect(recordedOf(recorded, T.scaledObject)).toHaveLength(2);
    expect(stack.outputs.managedNodeGroups?.map((g) => [g.nodeGroupName, g.capacityType])).toEqual([
      ['darkroom-l4', 'SPOT'],
      ['darkroom-a100', 'ON_DEMAND'],
    ]);
    expect(stack.outputs.apiUrl).toBe('http://api.darkroom.example');
  });

  it('runs as a Pulumi program: index.ts reads the stack config and exports the outputs', async () => {
    pulumi.runtime.setAllConfig(pulumiConfigMap(rawConfig()), ['darkroom:databaseUrl', 'darkroom:redisUrl', 'darkroom:urlSigningSecret']);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require('./index') as Record<string, unknown>;
    expect(program).toMatchObject({ apiUrl: 'https://api.darkroom.example', dashboardUrl: 'https://app.darkroom.example', poolNames: ['l4', 'a100'] });
    // The program's resources reach the engine, the Release among them.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(recordedOf(recorded, T.release)).toHaveLength(1);
    pulumi.runtime.setAllConfig({});
  });
});
