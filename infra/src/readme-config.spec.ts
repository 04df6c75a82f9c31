import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseStackConfig, type StackConfig } from './config';
import { poolCapacity } from './pool-capacity';

/**
 * Replays the `pulumi config set` lines of infra/README.md the way the Pulumi CLI stores them (`--path` builds
 * objects and types numbers and booleans), then validates the result like `pulumi up` would.
 */
function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

function pathSegments(key: string): Array<string | number> {
  return [...key.matchAll(/([^.[\]]+)|\[(\d+)\]|\["([^"]+)"\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[1])));
}

function typed(value: string): unknown {
  if (/^-?\d+$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function replay(markdown: string): { config: Record<string, unknown>; secretKeys: string[] } {
  const config: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const line of markdown.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('pulumi config set '))) {
    const args = tokens(line.replace(/"\$\(openssl rand -hex 32\)"/, 'f'.repeat(64))).slice(3);
    const flags = args.filter((a) => a.startsWith('--'));
    const [key, value] = args.filter((a) => !a.startsWith('--'));
    if (key.includes(':') && !key.startsWith('darkroom:')) continue; // another namespace (kubernetes:context)
    const name = key.replace(/^darkroom:/, '');
    if (flags.includes('--secret')) secretKeys.push(name);
    if (!flags.includes('--path')) {
      config[name] = value;
      continue;
    }
    const segments = pathSegments(name);
    let node = config as Record<string | number, unknown>;
    segments.forEach((segment, i) => {
      if (i === segments.length - 1) node[segment] = typed(value);
      else node = (node[segment] ??= typeof segments[i + 1] === 'number' ? [] : {}) as Record<string | number, unknown>;
    });
  }
  return { config, secretKeys };
}

describe('the README stack', () => {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const { config: raw, secretKeys } = replay(readme);
  let config: StackConfig;

  it('is a valid stack config', () => {
    config = parseStackConfig(raw);
    expect(config.clusterName).toBe('gpu-prod');
  });

  it('sets the three connection settings as secrets', () => {
    expect(secretKeys.sort()).toEqual(['databaseUrl', 'redisUrl', 'urlSigningSecret']);
  });

  it('has SD 1.5 on L4 spot scaling to zero and SDXL on A100 on-demand', () => {
    const [l4, a100] = config.pools;
    expect(l4).toMatchObject({ name: 'l4', capacityType: 'spot', minNodes: 0, families: ['SD1'], gpu: { type: 'nvidia-l4', countPerNode: 1 } });
    expect(a100).toMatchObject({ name: 'a100', capacityType: 'on-demand', families: ['SDXL'], instanceTypes: ['p4d.24xlarge'], workerCpu: '10' });
    expect(poolCapacity(a100)).toMatchObject({ workersPerNode: 8, maxReplicas: 16, gpuLimit: 16 });
  });
});
