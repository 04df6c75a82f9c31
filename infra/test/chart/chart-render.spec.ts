import { apiEnvSchema, workerEnvSchema } from '@darkroom/config';
import { findManifest, renderChart, skipReason, type Manifest } from '../helm-render';
import { schemaProblems } from '../k8s-validate';

/** charts/darkroom rendered like `helm template`, checked against the Kubernetes schemas and the apps' env rules. */
const SECRETS = {
  databaseUrl: 'postgresql://darkroom:pw@postgres.db.svc:5432/darkroom',
  redisUrl: 'redis://redis.db.svc:6379',
  urlSigningSecret: '0123456789abcdef0123456789abcdef',
};
const TWO_POOLS = {
  secrets: SECRETS,
  workers: [
    { name: 'cpu', families: ['SD1'], gpu: 0, executionProvider: 'cpu', engine: 'placeholder', tolerations: [], replicas: 2, concurrency: 2 },
    { name: 'l4', families: ['SD1', 'SD2'], autoscaled: true, nodeSelector: { 'darkroom.io/pool': 'l4' }, pdb: { enabled: false } },
  ],
};

const podSpecs = (manifests: Manifest[]) =>
  manifests.filter((m) => ['Deployment', 'Job'].includes(m.kind)).map((m) => ({ name: `${m.kind}/${m.metadata.name}`, spec: m.spec.template.spec }));
const envOf = (container: { env?: Array<{ name: string; value?: string }> }) =>
  Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));

(skipReason ? describe.skip : describe)(`charts/darkroom rendered${skipReason}`, () => {
  let manifests: Manifest[];
  let notes: string;
  beforeAll(() => {
    ({ manifests, notes } = renderChart(TWO_POOLS));
  });

  it('renders objects the Kubernetes schemas accept, of the expected kinds', () => {
    expect(schemaProblems(manifests)).toEqual({ invalid: [], unknown: [] });
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/darkroom-config',
        'Deployment/darkroom-api',
        'Deployment/darkroom-dashboard',
        'Deployment/darkroom-worker-cpu',
        'Deployment/darkroom-worker-l4',
        'HorizontalPodAutoscaler/darkroom-api',
        'Ingress/darkroom',
        'Job/darkroom-migrations',
        'NetworkPolicy/darkroom-api',
        'NetworkPolicy/darkroom-dashboard',
        'NetworkPolicy/darkroom-default-deny-ingress',
        'NetworkPolicy/darkroom-migrations',
        'NetworkPolicy/darkroom-worker',
        'PersistentVolumeClaim/darkroom-models',
        'PersistentVolumeClaim/darkroom-storage',
        'PodDisruptionBudget/darkroom-api',
        'PodDisruptionBudget/darkroom-dashboard',
        'PodDisruptionBudget/darkroom-worker-cpu',
        'Secret/darkroom-env',
        'Service/darkroom-api',
        'Service/darkroom-dashboard',
        'ServiceAccount/darkroom-api',
        'ServiceAccount/darkroom-dashboard',
        'ServiceAccount/darkroom-worker',
      ].sort(),
    );
    expect(notes).toContain('API:       https://api.example.com');
    expect(notes).toContain('Worker pools: cpu=SD1;l4=SD1,SD2');
  });

  it('probes the API on /healthz and /readyz and lets Prometheus scrape /metrics', () => {
    const api = findManifest(manifests, 'Deployment', 'darkroom-api');
    const [container] = api.spec.template.spec.containers;
    expect(container.command).toEqual(['node', '-r', '@swc-node/register', 'apps/api/src/main.ts']);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(api.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
    // The HPA owns the API's replicas.
    expect(api.spec.replicas).toBeUndefined();
    expect(findManifest(manifests, 'HorizontalPodAutoscaler', 'darkroom-api').spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'darkroom-api' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
  });

  it('runs every pod as non-root on a read-only root filesystem, with requests and a memory limit', () => {
    for (const { name, spec } of podSpecs(manifests)) {
      expect([name, spec.securityContext]).toEqual([name, expect.objectContaining({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } })]);
      expect([name, spec.automountServiceAccountToken]).toEqual([name, false]);
      for (const c of spec.containers) {
        expect([name, c.securityContext]).toEqual([name, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }]);
        expect([name, Object.keys(c.resources.requests ?? {}).length > 0, c.resources.limits?.memory !== undefined]).toEqual([name, true, true]);
        // Writable places are volumes: /tmp everywhere, the blob store where blobs are written.
        expect([name, c.volumeMounts]).toEqual([name, expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }])]);
      }
    }
  });

  it('one Deployment per worker pool: its own selector, env, GPUs and placement', () => {
    const cpu = findManifest(manifests, 'Deployment', 'darkroom-worker-cpu');
    const l4 = findManifest(manifests, 'Deployment', 'darkroom-worker-l4');
    expect(cpu.spec.selector.matchLabels['darkroom.io/pool']).toBe('cpu');
    expect(l4.spec.selector.matchLabels['darkroom.io/pool']).toBe('l4');
    // Explicit zeros and empty lists of a pool win over the defaults.
    expect(cpu.spec.replicas).toBe(2);
    expect(cpu.spec.template.spec.tolerations).toBeUndefined();
    expect(cpu.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '14Gi' } });
    expect(cpu.spec.template.spec.containers[0].image).toBe('registry.example.com/darkroom/darkroom-worker:0.1.0');
    // Probes and metrics on the worker's health port.
    const probed = cpu.spec.template.spec.containers[0];
    expect(probed.ports).toEqual([{ name: 'health', containerPort: 9091, protocol: 'TCP' }]);
    expect(probed.env).toEqual(expect.arrayContaining([{ name: 'WORKER_HEALTH_PORT', value: '9091' }]));
    expect(probed.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(probed.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(envOf(cpu.spec.template.spec.containers[0])).toMatchObject({ WORKER_POOL: 'cpu', WORKER_CONCURRENCY: '2', EXECUTION_PROVIDER: 'cpu', ENGINE: 'placeholder' });

    expect(l4.spec.replicas).toBeUndefined(); // autoscaled: KEDA sets it
    const pod = l4.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'darkroom.io/pool': 'l4' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(pod.containers[0].resources.requests['nvidia.com/gpu']).toBe(1);
    expect(pod.containers[0].image).toBe('registry.example.com/darkroom/darkroom-worker-cuda:0.1.0');
    expect(pod.terminationGracePeriodSeconds).toBe(135);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'storage', mountPath: '/data/storage' },
      { name: 'models', mountPath: '/data/models', readOnly: true },
    ]);
    expect(findManifest(manifests, 'PodDisruptionBudget', 'darkroom-worker-cpu').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { 'darkroom.io/pool': 'cpu' } } });
  });

  it('gives each process an environment its own config schema accepts', () => {
    const configMap = findManifest(manifests, 'ConfigMap', 'darkroom-config').data;
    const secret = findManifest(manifests, 'Secret', 'darkroom-env').stringData;
    const worker = findManifest(manifests, 'Deployment', 'darkroom-worker-l4').spec.template.spec.containers[0];
    const workerEnv = workerEnvSchema.parse({ ...configMap, ...secret, ...envOf(worker) });
    expect(workerEnv).toMatchObject({ WORKER_POOL: 'l4', EXECUTION_PROVIDER: 'cuda', ENGINE: 'onnx', SHUTDOWN_GRACE_MS: 120000, MODELS_DIR: '/data/models', STORAGE_DIR: '/data/storage' });
    expect(workerEnv.POOLS).toEqual({ cpu: ['SD1'], l4: ['SD1', 'SD2'] });
    const api = findManifest(manifests, 'Deployment', 'darkroom-api').spec.template.spec.containers[0];
    expect(api.envFrom).toEqual([{ configMapRef: { name: 'darkroom-config' } }, { secretRef: { name: 'darkroom-env' } }]);
    expect(apiEnvSchema.parse({ ...configMap, ...secret, ...envOf(api) })).toMatchObject({ API_PORT: 8080, PUBLIC_BASE_URL: 'https://api.example.com', NODE_ENV: 'production' });
  });

  it('migrates the database in a pre-install/pre-upgrade hook, after its Secret exists', () => {
    const job = findManifest(manifests, 'Job', 'darkroom-migrations');
    expect(job.metadata.annotations).toEqual({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-weight': '0',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    const [container] = job.spec.template.spec.containers;
    expect(container.command).toEqual(['node_modules/.bin/prisma', 'migrate', 'deploy']);
    expect(container.image).toBe('registry.example.com/darkroom/darkroom-api:0.1.0');
    expect(container.env[0]).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'darkroom-env', key: 'DATABASE_URL' } } });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const secret = findManifest(manifests, 'Secret', 'darkroom-env');
    expect(secret.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-10' });
    expect(Number(secret.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(Number(job.metadata.annotations!['helm.sh/hook-weight']));
  });

  it('isolates workers: no ingress, egress only to DNS, Postgres and Redis', () => {
    const worker = findManifest(manifests, 'NetworkPolicy', 'darkroom-worker').spec;
    expect(worker.podSelector.matchLabels).toMatchObject({ 'app.kubernetes.io/component': 'worker' });
    expect(worker.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(worker.ingress).toEqual([]);
    expect(worker.egress.map((rule: { ports: Array<{ port: number; protocol: string }> }) => rule.ports)).toEqual([
      [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      [{ port: 5432, protocol: 'TCP' }],
      [{ port: 6379, protocol: 'TCP' }],
    ]);
    const migrations = findManifest(manifests, 'NetworkPolicy', 'darkroom-migrations').spec;
    expect(migrations.egress).toHaveLength(2);
    const deny = findManifest(manifests, 'NetworkPolicy', 'darkroom-default-deny-ingress').spec;
    expect(deny).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'darkroom', 'app.kubernetes.io/instance': 'darkroom' } }, policyTypes: ['Ingress'] });
  });

  it('lets only the configured peers reach the API: the ingress controller, the dashboard and Prometheus', () => {
    const ingressNs = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } };
    const monitoringNs = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const { manifests: narrowed } = renderChart({
      ...TWO_POOLS,
      networkPolicy: {
        ingressFrom: [ingressNs],
        metricsFrom: [monitoringNs],
        postgres: { port: 5432, to: [{ ipBlock: { cidr: '10.0.0.0/24' } }] },
        redis: { port: 6380, to: [{ ipBlock: { cidr: '10.0.1.0/24' } }] },
        storage: { ports: [2049], to: [{ ipBlock: { cidr: '10.0.2.0/24' } }] },
      },
    });
    const api = findManifest(narrowed, 'NetworkPolicy', 'darkroom-api').spec;
    expect(api.ingress).toEqual([
      {
        ports: [{ port: 'http', protocol: 'TCP' }],
        from: [
          ingressNs,
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'darkroom', 'app.kubernetes.io/instance': 'darkroom', 'app.kubernetes.io/component': 'dashboard' } } },
          monitoringNs,
        ],
      },
    ]);
    expect(findManifest(narrowed, 'NetworkPolicy', 'darkroom-dashboard').spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }], from: [ingressNs] }]);
    const worker = findManifest(narrowed, 'NetworkPolicy', 'darkroom-worker').spec;
    // Prometheus may scrape the workers' health port, nothing else reaches them.
    expect(worker.ingress).toEqual([{ ports: [{ port: 'health', protocol: 'TCP' }], from: [monitoringNs] }]);
    expect(findManifest(narrowed, 'NetworkPolicy', 'darkroom-migrations').spec.ingress).toEqual([]);
    expect(worker.egress.slice(1)).toEqual([
      { ports: [{ port: 5432, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.0.0.0/24' } }] },
      { ports: [{ port: 6380, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.0.1.0/24' } }] },
      { ports: [{ port: 2049, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.0.2.0/24' } }] },
    ]);
    expect(schemaProblems(narrowed).invalid).toEqual([]);
  });

  it('points the dashboard server at the API Service inside the cluster', () => {
    const dashboard = findManifest(manifests, 'Deployment', 'darkroom-dashboard').spec.template.spec.containers[0];
    expect(envOf(dashboard)).toMatchObject({ DARKROOM_API_URL: 'http://darkroom-api.darkroom.svc:8080', PUBLIC_BASE_URL: 'https://api.example.com' });
    expect(dashboard.command).toEqual(['node', 'node_modules/next/dist/bin/next', 'start', 'apps/dashboard', '-p', '3000']);
  });

  it('publishes the API and dashboard through one Ingress with TLS', () => {
    const ingress = findManifest(manifests, 'Ingress', 'darkroom').spec;
    expect(ingress.tls).toEqual([{ secretName: 'darkroom-tls', hosts: ['api.example.com', 'app.example.com'] }]);
    expect(ingress.rules.map((r: { host: string; http: { paths: Array<{ backend: { service: { name: string } } }> } }) => [r.host, r.http.paths[0].backend.service.name])).toEqual([
      ['api.example.com', 'darkroom-api'],
      ['app.example.com', 'darkroom-dashboard'],
    ]);
  });

  it('follows the storage settings: existing claims, emptyDir, or claims it creates and keeps', () => {
    const pvc = findManifest(manifests, 'PersistentVolumeClaim', 'darkroom-storage');
    expect(pvc.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    const { manifests: other } = renderChart({
      ...TWO_POOLS,
      persistence: { storage: { type: 'emptyDir', mountPath: '/blobs' }, models: { type: 'pvc', mountPath: '/models', existingClaim: 'models-efs' } },
    });
    expect(other.filter((m) => m.kind === 'PersistentVolumeClaim')).toEqual([]);
    const worker = findManifest(other, 'Deployment', 'darkroom-worker-l4').spec.template.spec;
    expect(worker.volumes).toEqual([
      { name: 'tmp', emptyDir: {} },
      { name: 'storage', emptyDir: {} },
      { name: 'models', persistentVolumeClaim: { claimName: 'models-efs' } },
    ]);
    expect(findManifest(other, 'ConfigMap', 'darkroom-config').data).toMatchObject({ STORAGE_DIR: '/blobs', MODELS_DIR: '/models' });
  });

  it('uses an existing Secret instead of making one, and rolls pods when the config changes', () => {
    const { manifests: a } = renderChart({ ...TWO_POOLS, secrets: { existingSecret: 'from-vault' } });
    expect(a.filter((m) => m.kind === 'Secret')).toEqual([]);
    expect(findManifest(a, 'Job', 'darkroom-migrations').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name).toBe('from-vault');
    const { manifests: b } = renderChart({ ...TWO_POOLS, secrets: { existingSecret: 'from-vault' }, config: { LOG_LEVEL: 'debug' } });
    const checksum = (m: Manifest[]) => findManifest(m, 'Deployment', 'darkroom-api').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(b)).not.toBe(checksum(a));
  });

  it('prints whole numbers in env without exponents and turns on the optional pieces', () => {
    const { manifests: m } = renderChart({
      ...TWO_POOLS,
      api: { port: 8080, env: { UPLOAD_MAX_BYTES: 20971520, RATE_LIMIT_PER_SEC: 12.5 }, autoscaling: { enabled: false }, replicas: 3 },
      metrics: { serviceMonitor: { enabled: true, interval: '30s', labels: { release: 'prom' } } },
    });
    const api = findManifest(m, 'Deployment', 'darkroom-api');
    expect(envOf(api.spec.template.spec.containers[0])).toMatchObject({ UPLOAD_MAX_BYTES: '20971520', RATE_LIMIT_PER_SEC: '12.5' });
    expect(api.spec.replicas).toBe(3);
    expect(m.find((x) => x.kind === 'HorizontalPodAutoscaler')).toBeUndefined();
    const monitor = findManifest(m, 'ServiceMonitor', 'darkroom-api');
    expect(monitor.metadata.labels).toMatchObject({ release: 'prom' });
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
  });
});
