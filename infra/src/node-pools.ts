import * as k8s from '@pulumi/kubernetes';
import type { GpuPool, StackConfig } from './config';
import { GPU_RESOURCE, POOL_LABEL, poolCapacity, poolNodeLabels, poolTaints } from './pool-capacity';
import { resourceOptions, type Scope } from './scope';

type Manifest = Record<string, unknown>;
const PART_OF = { 'app.kubernetes.io/part-of': 'darkroom', 'app.kubernetes.io/managed-by': 'pulumi' };

export const nodePoolName = (pool: GpuPool) => `darkroom-${pool.name}`;

/** Karpenter NodePool (karpenter.sh/v1) of one GPU pool. */
export function karpenterNodePool(pool: GpuPool): Manifest {
  const { gpuLimit } = poolCapacity(pool);
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: nodePoolName(pool), labels: { ...PART_OF, [POOL_LABEL]: pool.name } },
    spec: {
      template: {
        metadata: { labels: poolNodeLabels(pool) },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodePoolName(pool) },
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: pool.instanceTypes },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: [pool.capacityType] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
            { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
          ],
          taints: poolTaints(pool),
          expireAfter: pool.expireAfter,
        },
      },
      disruption: {
        // Only empty nodes are taken away: consolidating a busy GPU node would interrupt running jobs to save
        // little. Workers leave nodes when KEDA scales the pool down.
        consolidationPolicy: 'WhenEmpty',
        consolidateAfter: pool.consolidateAfter,
        budgets: [{ nodes: pool.disruptionBudget }],
      },
      limits: { [GPU_RESOURCE]: String(gpuLimit) },
    },
  };
}

/** Karpenter EC2NodeClass (karpenter.k8s.aws/v1) of one GPU pool: AMI, subnets, disk, IMDSv2. */
export function ec2NodeClass(pool: GpuPool, config: StackConfig): Manifest {
  const discovery = { 'karpenter.sh/discovery': config.clusterName ?? '' };
  const bottlerocket = config.karpenter.amiAlias.startsWith('bottlerocket@');
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: nodePoolName(pool), labels: { ...PART_OF, [POOL_LABEL]: pool.name } },
    spec: {
      role: config.karpenter.nodeRole,
      // The al2023 and bottlerocket aliases resolve to their NVIDIA variants on GPU instance types.
      amiSelectorTerms: [{ alias: config.karpenter.amiAlias }],
      subnetSelectorTerms: [{ tags: config.karpenter.subnetTags ?? discovery }],
      securityGroupSelectorTerms: [{ tags: config.karpenter.securityGroupTags ?? discovery }],
      blockDeviceMappings: [
        {
          // Bottlerocket keeps images on its second (data) volume; AL2023 on the root volume.
          deviceName: bottlerocket ? '/dev/xvdb' : '/dev/xvda',
          ebs: { volumeSize: `${pool.diskSizeGi}Gi`, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
        },
      ],
      // IMDSv2 only, one hop: pods cannot borrow the node's instance role.
      metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
      tags: { [POOL_LABEL]: pool.name, 'darkroom.io/capacity-type': pool.capacityType },
    },
  };
}

export interface KarpenterPool {
  pool: GpuPool;
  nodeClass: k8s.apiextensions.CustomResource;
  nodePool: k8s.apiextensions.CustomResource;
}

export function createKarpenterNodePools(config: StackConfig, scope: Scope = {}): KarpenterPool[] {
  return config.pools.map((pool) => {
    const nodeClass = new k8s.apiextensions.CustomResource(`${nodePoolName(pool)}-nodeclass`, ec2NodeClass(pool, config) as k8s.apiextensions.CustomResourceArgs, resourceOptions(scope));
    const nodePool = new k8s.apiextensions.CustomResource(
      `${nodePoolName(pool)}-nodepool`,
      karpenterNodePool(pool) as k8s.apiextensions.CustomResourceArgs,
      resourceOptions(scope, [nodeClass]),
    );
    return { pool, nodeClass, nodePool };
  });
}

/**
 * Where Karpenter is not used: what each pool's EKS managed node group must look like (the shape of
 * aws.eks.NodeGroup's arguments), exported as a stack output for the stack that owns the cluster.
 * The cluster-autoscaler tags let it scale a group up from zero nodes.
 */
export function managedNodeGroup(pool: GpuPool) {
  const { gpuLimit } = poolCapacity(pool);
  const labels = poolNodeLabels(pool);
  const taints = poolTaints(pool);
  return {
    nodeGroupName: nodePoolName(pool),
    instanceTypes: pool.instanceTypes,
    capacityType: pool.capacityType === 'spot' ? 'SPOT' : 'ON_DEMAND',
    amiType: 'AL2023_x86_64_NVIDIA',
    diskSize: pool.diskSizeGi,
    scalingConfig: { minSize: pool.minNodes, maxSize: pool.maxNodes, desiredSize: pool.minNodes },
    labels,
    taints: taints.map((t) => ({ key: t.key, value: t.value, effect: 'NO_SCHEDULE' })),
    tags: {
      ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`k8s.io/cluster-autoscaler/node-template/label/${k}`, v])),
      ...Object.fromEntries(taints.map((t) => [`k8s.io/cluster-autoscaler/node-template/taint/${t.key}`, `${t.value}:NoSchedule`])),
      [`k8s.io/cluster-autoscaler/node-template/resources/${GPU_RESOURCE}`]: String(pool.gpu.countPerNode),
    },
    maxGpus: gpuLimit,
  };
}
