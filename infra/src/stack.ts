import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { createWorkerScaledObjects } from './autoscaling';
import { apiUrl, dashboardUrl } from './chart-values';
import type { StackConfig } from './config';
import { createDevicePlugin } from './device-plugin';
import { createKarpenterNodePools, managedNodeGroup } from './node-pools';
import { poolCapacity } from './pool-capacity';
import { createPlatformRelease } from './release';
import type { Scope } from './scope';

export interface DarkroomStack {
  /** Every resource this program declared, in creation order. */
  resources: pulumi.Resource[];
  outputs: {
    apiUrl: string;
    dashboardUrl: string;
    poolNames: string[];
    /** Per pool: GPUs, node and worker bounds. */
    pools: Array<{ name: string; gpuType: string; capacityType: string; minWorkers: number; maxWorkers: number; maxGpus: number }>;
    /** With nodeProvisioner "managed": the node groups to create in the cluster's own stack. */
    managedNodeGroups?: Array<ReturnType<typeof managedNodeGroup>>;
  };
}

/**
 * The whole platform on one cluster: namespace, GPU node pools (Karpenter), the NVIDIA device plugin, the
 * connection Secret and Helm release of charts/darkroom, and one KEDA ScaledObject per worker pool.
 */
export function createDarkroomStack(config: StackConfig, scope: Pick<Scope, 'provider'> = {}): DarkroomStack {
  const { provider } = scope;
  const namespace = new k8s.core.v1.Namespace(
    'darkroom-namespace',
    { metadata: { name: config.namespace, labels: { 'app.kubernetes.io/part-of': 'darkroom', 'app.kubernetes.io/managed-by': 'pulumi' } } },
    { provider },
  );
  const inNamespace: Scope = { provider, dependsOn: [namespace] };

  const karpenter = config.nodeProvisioner === 'karpenter' ? createKarpenterNodePools(config, { provider }) : [];
  const devicePlugin = config.devicePlugin.enabled ? createDevicePlugin(config, { provider }) : undefined;
  const { secret, release } = createPlatformRelease(config, inNamespace);
  // Not after the release: KEDA takes over the new worker Deployments (created with 1 replica, as spec.replicas is
  // left out) as soon as they appear, and scales idle pools to their minimum before a GPU node is even started.
  const scaledObjects = createWorkerScaledObjects(config, inNamespace);

  const resources: pulumi.Resource[] = [
    namespace,
    ...karpenter.flatMap((k) => [k.nodeClass, k.nodePool]),
    ...(devicePlugin ? [devicePlugin] : []),
    secret,
    release,
    ...scaledObjects,
  ];
  return {
    resources,
    outputs: {
      apiUrl: apiUrl(config),
      dashboardUrl: dashboardUrl(config),
      poolNames: config.pools.map((p) => p.name),
      pools: config.pools.map((p) => {
        const c = poolCapacity(p);
        return { name: p.name, gpuType: p.gpu.type, capacityType: p.capacityType, minWorkers: c.minReplicas, maxWorkers: c.maxReplicas, maxGpus: c.gpuLimit };
      }),
      managedNodeGroups: config.nodeProvisioner === 'managed' ? config.pools.map(managedNodeGroup) : undefined,
    },
  };
}
