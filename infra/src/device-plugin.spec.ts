import { installPulumiMocks, recordedOf, settle, type RecordedResource } from '../test/pulumi-mocks';
import { schemaProblems } from '../test/k8s-validate';
import { stackConfig } from '../test/stack-fixtures';
import { createDevicePlugin } from './device-plugin';

describe('NVIDIA device plugin', () => {
  let recorded: RecordedResource[];
  let spec: Record<string, any>;
  beforeAll(async () => {
    recorded = await installPulumiMocks();
    await settle([createDevicePlugin(stackConfig({ devicePlugin: { image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.2' } }))]);
    [{ inputs: { spec } }] = recordedOf(recorded, 'kubernetes:apps/v1:DaemonSet');
  });

  it('runs on darkroom GPU nodes only, through both of their taints', () => {
    const pod = spec.template.spec;
    expect(pod.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'darkroom.io/pool', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
    ]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'darkroom.io/gpu', operator: 'Exists' }] },
    ]);
    expect(pod.priorityClassName).toBe('system-node-critical');
  });

  it('registers GPUs with the kubelet from an unprivileged container', () => {
    const [container] = spec.template.spec.containers;
    expect(container.image).toBe('nvcr.io/nvidia/k8s-device-plugin:v0.17.2');
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.volumeMounts).toEqual([{ name: 'device-plugins', mountPath: '/var/lib/kubelet/device-plugins' }]);
    expect(spec.template.spec.volumes).toEqual([{ name: 'device-plugins', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }]);
  });

  it('is a valid DaemonSet in kube-system', () => {
    const [{ inputs }] = recordedOf(recorded, 'kubernetes:apps/v1:DaemonSet');
    expect(inputs.metadata).toMatchObject({ name: 'nvidia-device-plugin', namespace: 'kube-system' });
    expect(schemaProblems([inputs])).toEqual({ invalid: [], unknown: [] });
  });
});
