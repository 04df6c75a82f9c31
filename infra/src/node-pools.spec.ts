import { installPulumiMocks, recordedNamed, recordedOf, settle, type RecordedResource } from '../test/pulumi-mocks';
import { schemaProblems } from '../test/k8s-validate';
import { stackConfig, L4_SPOT } from '../test/stack-fixtures';
import { createKarpenterNodePools, managedNodeGroup } from './node-pools';

const NODE_POOL = 'kubernetes:karpenter.sh/v1:NodePool';
const NODE_CLASS = 'kubernetes:karpenter.k8s.aws/v1:EC2NodeClass';

describe('Karpenter node pools', () => {
  let recorded: RecordedResource[];
  beforeAll(async () => {
    recorded = await installPulumiMocks();
    const pools = createKarpenterNodePools(stackConfig());
    await settle(pools.flatMap((p) => [p.nodeClass, p.nodePool]));
  });

  it('declares one NodePool and one EC2NodeClass per GPU pool', () => {
    expect(recordedOf(recorded, NODE_POOL).map((r) => r.inputs.metadata.name)).toEqual(['darkroom-l4', 'darkroom-a100']);
    expect(recordedOf(recorded, NODE_CLASS).map((r) => r.inputs.metadata.name)).toEqual(['darkroom-l4', 'darkroom-a100']);
  });

  it('taints GPU nodes for GPU pods and for their pool, and labels them for the pool', () => {
    const { spec } = recordedNamed(recorded, NODE_POOL, 'darkroom-l4-nodepool').inputs;
    expect(spec.template.spec.taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
      { key: 'darkroom.io/pool', value: 'l4', effect: 'NoSchedule' },
    ]);
    expect(spec.template.metadata.labels).toEqual({ 'darkroom.io/pool': 'l4', 'darkroom.io/gpu': 'nvidia-l4' });
    expect(spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'darkroom-l4' });
  });

  it('limits instance types, capacity type and the pool size in GPUs', () => {
    const l4 = recordedNamed(recorded, NODE_POOL, 'darkroom-l4-nodepool').inputs.spec;
    expect(l4.template.spec.requirements).toEqual([
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g6.xlarge', 'g6.2xlarge'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
    ]);
    expect(l4.limits).toEqual({ 'nvidia.com/gpu': '6' }); // 6 nodes × 1 L4
    const a100 = recordedNamed(recorded, NODE_POOL, 'darkroom-a100-nodepool').inputs.spec;
    expect(a100.template.spec.requirements[1]).toEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] });
    expect(a100.limits).toEqual({ 'nvidia.com/gpu': '16' }); // 2 nodes × 8 A100
  });

  it('only removes empty nodes, within the disruption budget', () => {
    const { disruption, template } = recordedNamed(recorded, NODE_POOL, 'darkroom-l4-nodepool').inputs.spec;
    expect(disruption).toEqual({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '5m', budgets: [{ nodes: '1' }] });
    expect(template.spec.expireAfter).toBe('720h');
  });

  it('launches nodes with the cluster role, discovered subnets, an encrypted disk and IMDSv2', () => {
    const { spec } = recordedNamed(recorded, NODE_CLASS, 'darkroom-a100-nodeclass').inputs;
    expect(spec.role).toBe('KarpenterNodeRole-gpu-prod');
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'al2023@latest' }]);
    expect(spec.subnetSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': 'gpu-prod' } }]);
    expect(spec.securityGroupSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': 'gpu-prod' } }]);
    expect(spec.blockDeviceMappings).toEqual([
      { deviceName: '/dev/xvda', ebs: { volumeSize: '200Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
    ]);
    expect(spec.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
    expect(spec.tags).toEqual({ 'darkroom.io/pool': 'a100', 'darkroom.io/capacity-type': 'on-demand' });
  });

  it('uses the configured discovery tags and Bottlerocket data volume', async () => {
    const config = stackConfig({
      karpenter: { nodeRole: 'r', amiAlias: 'bottlerocket@1.30.0', subnetTags: { tier: 'private' }, securityGroupTags: { 'aws:eks:cluster-name': 'gpu-prod' } },
      devicePlugin: { enabled: false },
      pools: [{ ...L4_SPOT, name: 'br', diskSizeGi: 300 }],
    });
    const [pool] = createKarpenterNodePools(config);
    await settle([pool.nodeClass]);
    const { spec } = recordedNamed(recorded, NODE_CLASS, 'darkroom-br-nodeclass').inputs;
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'bottlerocket@1.30.0' }]);
    expect(spec.subnetSelectorTerms).toEqual([{ tags: { tier: 'private' } }]);
    expect(spec.securityGroupSelectorTerms).toEqual([{ tags: { 'aws:eks:cluster-name': 'gpu-prod' } }]);
    expect(spec.blockDeviceMappings[0]).toMatchObject({ deviceName: '/dev/xvdb', ebs: { volumeSize: '300Gi' } });
  });

  it('are objects the Kubernetes API accepts as custom resources (metadata)', () => {
    // kubernetes-models has no Karpenter schemas; it still checks the ObjectMeta of any object it knows.
    const { invalid, unknown } = schemaProblems(recordedOf(recorded, NODE_POOL).map((r) => r.inputs));
    expect(invalid).toEqual([]);
    expect(unknown).toContain('karpenter.sh/v1/NodePool');
  });
});

describe('managed node groups (the alternative to Karpenter)', () => {
  it('gives each pool the same labels, taints and bounds as the Karpenter path', () => {
    const [l4, a100] = stackConfig({ nodeProvisioner: 'managed' }).pools.map(managedNodeGroup);
    expect(l4).toMatchObject({
      nodeGroupName: 'darkroom-l4',
      capacityType: 'SPOT',
      amiType: 'AL2023_x86_64_NVIDIA',
      instanceTypes: ['g6.xlarge', 'g6.2xlarge'],
      scalingConfig: { minSize: 0, maxSize: 6, desiredSize: 0 },
      labels: { 'darkroom.io/pool': 'l4', 'darkroom.io/gpu': 'nvidia-l4' },
      taints: [
        { key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' },
        { key: 'darkroom.io/pool', value: 'l4', effect: 'NO_SCHEDULE' },
      ],
    });
    expect(a100).toMatchObject({ capacityType: 'ON_DEMAND', scalingConfig: { minSize: 1, maxSize: 2, desiredSize: 1 }, maxGpus: 16 });
    // What the cluster autoscaler needs to scale a group up from zero nodes.
    expect(l4.tags).toEqual({
      'k8s.io/cluster-autoscaler/node-template/label/darkroom.io/pool': 'l4',
      'k8s.io/cluster-autoscaler/node-template/label/darkroom.io/gpu': 'nvidia-l4',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'true:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/taint/darkroom.io/pool': 'l4:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': '1',
    });
  });
});
