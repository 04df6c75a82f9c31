import * as path from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import type { StackConfig } from './config';
import { chartValues, ENV_SECRET_NAME, RELEASE_NAME } from './chart-values';
import { resourceOptions, type Scope } from './scope';

/** charts/darkroom, from this file's place in the repository. */
export const CHART_PATH = path.resolve(__dirname, '..', '..', 'charts', 'darkroom');

export interface PlatformRelease {
  secret: k8s.core.v1.Secret;
  release: k8s.helm.v3.Release;
}

/**
 * The connection Secret, then the Helm release of charts/darkroom. A Release (not a Chart) so that Helm runs
 * the chart's hooks: the migrations Job before every install and upgrade.
 */
export function createPlatformRelease(config: StackConfig, scope: Scope = {}): PlatformRelease {
  const secret = new k8s.core.v1.Secret(
    ENV_SECRET_NAME,
    {
      metadata: { name: ENV_SECRET_NAME, namespace: config.namespace, labels: { 'app.kubernetes.io/part-of': 'darkroom', 'app.kubernetes.io/managed-by': 'pulumi' } },
      type: 'Opaque',
      stringData: {
        DATABASE_URL: config.secrets.databaseUrl,
        REDIS_URL: config.secrets.redisUrl,
        URL_SIGNING_SECRET: config.secrets.urlSigningSecret,
      },
    },
    resourceOptions(scope),
  );
  const release = new k8s.helm.v3.Release(
    RELEASE_NAME,
    {
      name: RELEASE_NAME,
      namespace: config.namespace,
      chart: CHART_PATH,
      values: chartValues(config),
      // GPU nodes take minutes to join; the migrations hook runs first.
      timeout: 900,
      cleanupOnFail: true,
      maxHistory: 10,
    },
    resourceOptions(scope, [secret]),
  );
  return { secret, release };
}

