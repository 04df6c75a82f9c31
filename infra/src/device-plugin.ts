import * as k8s from '@pulumi/kubernetes';
import type { StackConfig } from './config';
import { GPU_LABEL, GPU_RESOURCE, POOL_LABEL } from './pool-capacity';
import { resourceOptions, type Scope } from './scope';

const LABELS = { 'app.kubernetes.io/name': 'nvidia-device-plugin', 'app.kubernetes.io/part-of': 'darkroom', 'app.kubernetes.io/managed-by': 'pulumi' };

/**
 * NVIDIA's device plugin as a DaemonSet (NVIDIA's static manifest, narrowed to darkroom's GPU nodes): it
 * advertises each node's GPUs as `nvidia.com/gpu`, which the worker pods request.
 */
export function devicePluginDaemonSet(config: StackConfig): k8s.apps.v1.DaemonSetArgs {
  return {
    metadata: { name: 'nvidia-device-plugin', namespace: 'kube-system', labels: LABELS },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'nvidia-device-plugin' } },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: LABELS },
        spec: {
          priorityClassName: 'system-node-critical',
          // GPU pool nodes carry both taints; nothing else needs this pod.
          tolerations: [
            { key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' },
            { key: POOL_LABEL, operator: 'Exists', effect: 'NoSchedule' },
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
          ],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_LABEL, operator: 'Exists' }] }],
              },
            },
          },
          containers: [
            {
              name: 'nvidia-device-plugin-ctr',
              image: config.devicePlugin.image,
              env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              volumeMounts: [{ name: 'device-plugins', mountPath: '/var/lib/kubelet/device-plugins' }],
            },
          ],
          volumes: [{ name: 'device-plugins', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }],
        },
      },
    },
  };
}

export function createDevicePlugin(config: StackConfig, scope: Scope = {}): k8s.apps.v1.DaemonSet {
  return new k8s.apps.v1.DaemonSet('nvidia-device-plugin', devicePluginDaemonSet(config), resourceOptions(scope));
}
