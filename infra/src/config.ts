import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
// The apps' own rules for pool names and model families, so that infra never writes a POOLS they reject.
// (A relative import: Pulumi's TypeScript runner does not resolve the monorepo's path aliases.)
import { ENGINE_FAMILIES } from '../../libs/config/src/env-schema';

/** Pulumi's config namespace of this project (Pulumi.yaml `name`). */
export const CONFIG_NAMESPACE = 'darkroom';

/** Accepts 3 and "3": `pulumi config set` stores plain values as strings, `--path` values as numbers. */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
    z.number({ error: 'must be a whole number' }).int('must be a whole number').min(min).max(max),
  );
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (a-z, 0-9, -)');
const hostname = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, 'must be a DNS name such as api.example.com');
/** `pulumi config set --path x 10` stores a number; these values are strings to Kubernetes. */
const asString = (v: unknown) => (typeof v === 'number' ? String(v) : v);
const quantity = z.preprocess(asString, z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as 4, 500m or 16Gi'));
const duration = z.string().regex(/^\d+(s|m|h)$/, 'must be a duration such as 30s, 5m or 720h');
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.0.0.0/16');
const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an environment variable name');
/** Env the chart sets itself, or that are secrets and must never travel in plain config. */
const RESERVED_ENV = ['POOLS', 'STORAGE_DIR', 'MODELS_DIR', 'API_HOST', 'API_PORT', 'PUBLIC_BASE_URL', 'DATABASE_URL', 'REDIS_URL', 'URL_SIGNING_SECRET'];

export const gpuPoolSchema = z
  .object({
    /** WORKER_POOL, the Karpenter NodePool's suffix and the `darkroom.io/pool` node label. */
    name: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must match [a-z0-9-]{1,32} (the apps\' pool name rule)'),
    gpu: z.object({
      /** A label value naming the GPU (darkroom.io/gpu), e.g. nvidia-l4. */
      type: dnsLabel,
      /** GPUs on one node of this pool's instance types. */
      countPerNode: int(1, 16),
      /** GPUs one worker pod takes (nvidia.com/gpu request). */
      perWorker: int(1, 16).default(1),
    }),
    instanceTypes: z.array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'must be an EC2 instance type such as g6.xlarge')).min(1, 'needs at least one instance type'),
    capacityType: z.enum(['on-demand', 'spot'], { error: 'must be "on-demand" or "spot"' }),
    /** Nodes kept when the queue is empty; 0 lets the pool scale to zero. */
    minNodes: int(0).default(0),
    maxNodes: int(1),
    families: z.array(z.enum(ENGINE_FAMILIES, { error: `must be one of ${ENGINE_FAMILIES.join(', ')}` })).min(1, 'needs at least one model family'),
    workerConcurrency: int(1, 16).default(1),
    /** KEDA target: waiting jobs per worker replica before another replica is added. */
    jobsPerWorker: int(1, 1000).default(2),
    engine: z.enum(['onnx', 'placeholder']).default('onnx'),
    workerCpu: quantity.default('3'),
    workerMemory: quantity.default('12Gi'),
    /** Root volume of each node (CUDA images and model caches are large). */
    diskSizeGi: int(40, 16384).default(200),
    /** Karpenter removes an empty node after this long. */
    consolidateAfter: duration.default('5m'),
    /** Karpenter disruption budget: nodes (or %) of this pool it may take down at once for voluntary reasons. */
    disruptionBudget: z.string().regex(/^\d+%?$/, 'must be a count or a percentage such as 1 or 10%').default('1'),
    expireAfter: duration.default('720h'),
  })
  .superRefine((pool, ctx) => {
    if (pool.minNodes > pool.maxNodes) ctx.addIssue({ code: 'custom', path: ['minNodes'], message: `must not exceed maxNodes (${pool.maxNodes})` });
    if (pool.gpu.perWorker > pool.gpu.countPerNode) {
      ctx.addIssue({ code: 'custom', path: ['gpu', 'perWorker'], message: `must not exceed gpu.countPerNode (${pool.gpu.countPerNode})` });
    }
  });

export const stackConfigSchema = z
  .object({
    namespace: dnsLabel.default('darkroom'),
    /** karpenter: NodePool + EC2NodeClass per pool. managed: node groups made elsewhere (see README). */
    nodeProvisioner: z.enum(['karpenter', 'managed']).default('karpenter'),
    clusterName: z.string().min(1).optional(),
    karpenter: z
      .object({
        /** IAM role of Karpenter-launched nodes. */
        nodeRole: z.string().min(1).optional(),
        amiAlias: z.string().regex(/^(al2023|bottlerocket)@[\w.-]+$/, 'must be al2023@<version> or bottlerocket@<version>').default('al2023@latest'),
        /** Subnet / security group discovery tags; default karpenter.sh/discovery=<clusterName>. */
        subnetTags: z.record(z.string(), z.string()).optional(),
        securityGroupTags: z.record(z.string(), z.string()).optional(),
      })
      .default({ amiAlias: 'al2023@latest' }),
    images: z.object({
      registry: z.string().min(1),
      tag: z.preprocess(asString, z.string().regex(/^[\w][\w.-]{0,127}$/, 'must be an image tag')),
      pullPolicy: z.enum(['Always', 'IfNotPresent']).default('IfNotPresent'),
    }),
    api: z
      .object({
        host: hostname,
        minReplicas: int(1, 100).default(2),
        maxReplicas: int(1, 100).default(10),
        targetCpuPercent: int(10, 100).default(70),
      })
      .refine((a) => a.minReplicas <= a.maxReplicas, { message: 'minReplicas must not exceed maxReplicas', path: ['minReplicas'] }),
    dashboard: z.object({ host: hostname, replicas: int(0, 20).default(2) }),
    ingress: z
      .object({
        className: z.string().default('nginx'),
        tls: bool.default(true),
        tlsSecretName: z.string().default('darkroom-tls'),
        annotations: z.record(z.string(), z.string()).default({}),
      })
      .default({ className: 'nginx', tls: true, tlsSecretName: 'darkroom-tls', annotations: {} }),
    storage: z.object({
      /** A ReadWriteMany class (EFS on EKS): the API and every worker share the blobs. */
      storageClassName: z.string().min(1),
      size: quantity.default('100Gi'),
      modelsStorageClassName: z.string().min(1).optional(),
      modelsSize: quantity.default('200Gi'),
    }),
    network: z
      .object({
        postgresCidrs: z.array(cidr).default([]),
        postgresPort: int(1, 65535).default(5432),
        redisCidrs: z.array(cidr).default([]),
        redisPort: int(1, 65535).default(6379),
        /** Object storage / NFS the workers reach over the pod network. */
        storageCidrs: z.array(cidr).default([]),
        storagePorts: z.array(int(1, 65535)).default([]),
        /** Namespace of the ingress controller: the only source allowed to reach the API and dashboard. */
        ingressNamespace: dnsLabel.optional(),
        /** Namespace of Prometheus, allowed to scrape the API's /metrics. */
        monitoringNamespace: dnsLabel.optional(),
      })
      .default({ postgresCidrs: [], postgresPort: 5432, redisCidrs: [], redisPort: 6379, storageCidrs: [], storagePorts: [] }),
    autoscaling: z.object({
      /** Prometheus that scrapes the API's darkroom_queue_length; KEDA queries it. */
      prometheusAddress: z.url({ protocol: /^https?$/, error: 'must be the URL of the Prometheus server, e.g. http://prometheus-operated.monitoring.svc:9090' }),
      /** Extra label matchers for the query, e.g. namespace="darkroom" when several installs share a Prometheus. */
      metricSelector: z.string().regex(/^([a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"[^"]*"\s*,?\s*)*$/, 'must be PromQL label matchers such as namespace="darkroom"').default(''),
      pollingIntervalSeconds: int(5, 600).default(15),
      /** Wait after the last queued job before a pool goes back to its minimum (and to zero). */
      cooldownSeconds: int(30, 86400).default(300),
      scaleDownStabilizationSeconds: int(0, 3600).default(600),
    }),
    devicePlugin: z
      .object({ enabled: bool.default(true), image: z.string().min(1).default('nvcr.io/nvidia/k8s-device-plugin:v0.17.1') })
      .default({ enabled: true, image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1' }),
    /** Non-secret env for every process (README's configuration table), e.g. LOG_LEVEL, RATE_LIMIT_PER_SEC. */
    env: z.record(envName, z.string()).default({}),
    pools: z.array(gpuPoolSchema).min(1, 'at least one GPU pool is required'),
    databaseUrl: z
      .string({ error: 'is required: pulumi config set --secret databaseUrl postgresql://…' })
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgresql:// URL'),
    redisUrl: z.string({ error: 'is required: pulumi config set --secret redisUrl redis://…' }).regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL'),
    urlSigningSecret: z
      .string({ error: 'is required: pulumi config set --secret urlSigningSecret "$(openssl rand -hex 32)"' })
      .min(32, 'must be at least 32 characters'),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.pools.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['pools', i, 'name'], message: `pool "${p.name}" is listed twice` });
      seen.add(p.name);
    });
    for (const key of Object.keys(c.env)) {
      if (RESERVED_ENV.includes(key)) ctx.addIssue({ code: 'custom', path: ['env', key], message: 'is set by the program (secrets have their own keys)' });
    }
    if (c.nodeProvisioner === 'karpenter') {
      if (!c.clusterName) ctx.addIssue({ code: 'custom', path: ['clusterName'], message: 'is required with nodeProvisioner karpenter' });
      if (!c.karpenter.nodeRole) ctx.addIssue({ code: 'custom', path: ['karpenter', 'nodeRole'], message: 'is required with nodeProvisioner karpenter' });
    }
    if (c.devicePlugin.enabled && c.karpenter.amiAlias.startsWith('bottlerocket@')) {
      ctx.addIssue({ code: 'custom', path: ['devicePlugin', 'enabled'], message: "must be false with Bottlerocket, whose NVIDIA variant runs NVIDIA's device plugin itself" });
    }
    if (c.network.storagePorts.length === 0 && c.network.storageCidrs.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['network', 'storagePorts'], message: 'is required when storageCidrs is set' });
    }
  });

type Parsed = z.infer<typeof stackConfigSchema>;
export type GpuPool = z.infer<typeof gpuPoolSchema>;
export const SECRET_KEYS = ['databaseUrl', 'redisUrl', 'urlSigningSecret'] as const;
type SecretKey = (typeof SECRET_KEYS)[number];

/** The validated stack config; the three connection secrets are Pulumi secrets. */
export type StackConfig = Omit<Parsed, SecretKey> & { secrets: Record<SecretKey, pulumi.Output<string>> };

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

const OBJECT_KEYS = ['karpenter', 'images', 'api', 'dashboard', 'ingress', 'storage', 'network', 'autoscaling', 'devicePlugin', 'env', 'pools'] as const;
const STRING_KEYS = ['namespace', 'nodeProvisioner', 'clusterName', ...SECRET_KEYS] as const;
const KNOWN_KEYS = new Set<string>([...OBJECT_KEYS, ...STRING_KEYS]);

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), '');
}

/** Validates raw config values (already JSON-parsed); every problem is listed with its `darkroom:` key. */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`${CONFIG_NAMESPACE}:${key}: unknown key (known: ${[...KNOWN_KEYS].sort().join(', ')})`);
  }
  const result = stackConfigSchema.safeParse(raw);
  if (!result.success) {
    // Messages never repeat a value: some of these keys hold secrets.
    for (const issue of result.error.issues) problems.push(`${CONFIG_NAMESPACE}:${formatPath(issue.path)}: ${issue.message}`);
  }
  if (problems.length || !result.success) throw new StackConfigError(problems);
  const { databaseUrl, redisUrl, urlSigningSecret, ...rest } = result.data;
  return {
    ...rest,
    secrets: {
      databaseUrl: pulumi.secret(databaseUrl),
      redisUrl: pulumi.secret(redisUrl),
      urlSigningSecret: pulumi.secret(urlSigningSecret),
    },
  };
}

/** Reads the stack's `darkroom:*` config (objects as JSON, set with `pulumi config set --path`). */
export function readStackConfig(): StackConfig {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    raw[key] = (OBJECT_KEYS as readonly string[]).includes(key) ? parseJson(fullKey, value) : value;
  }
  return parseStackConfig(raw);
}

function parseJson(key: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new StackConfigError([`${key}: is not a structured value (set it with \`pulumi config set --path\`)`]);
  }
}
