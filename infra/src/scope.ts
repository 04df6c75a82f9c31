import type * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';

/** Where resources go: an explicit provider (default: the current kubeconfig context) and what they wait for. */
export interface Scope {
  provider?: k8s.Provider;
  dependsOn?: pulumi.Resource[];
}

export function resourceOptions(scope: Scope, extraDependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions {
  return { provider: scope.provider, dependsOn: [...(scope.dependsOn ?? []), ...extraDependsOn] };
}
