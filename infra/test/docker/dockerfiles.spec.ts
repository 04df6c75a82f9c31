import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helm-render';

/** The Dockerfiles cannot be built here (no Docker engine); these checks hold them to what the chart runs. */
type PruneResult = { pkg: { dependencies: Record<string, string>; devDependencies?: unknown }; lock: { packages: Record<string, unknown> }; removed: string[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prune } = require(path.join(REPO_ROOT, 'docker', 'prune-dependencies.cjs')) as { prune: (pkg: unknown, lock: unknown, profile: string) => PruneResult };

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

function stagesOf(file: string): Stage[] {
  const text = readFileSync(path.join(REPO_ROOT, 'docker', file), 'utf8').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1], name: from[2], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

const instruction = (stage: Stage, name: string) => stage.lines.filter((l) => l.startsWith(`${name} `));
const commandOf = (stage: Stage) => JSON.parse(instruction(stage, 'CMD').at(-1)!.slice(4)) as string[];

describe('Dockerfiles', () => {
  const images = {
    api: { file: 'api.Dockerfile', final: undefined, cmd: ['node', '-r', '@swc-node/register', 'apps/api/src/main.ts'] },
    workerCpu: { file: 'worker.Dockerfile', final: 'cpu', cmd: ['node', '-r', '@swc-node/register', 'apps/worker/src/main.ts'] },
    workerCuda: { file: 'worker.Dockerfile', final: 'cuda', cmd: ['node', '-r', '@swc-node/register', 'apps/worker/src/main.ts'] },
    dashboard: { file: 'dashboard.Dockerfile', final: undefined, cmd: ['node', 'node_modules/next/dist/bin/next', 'start', 'apps/dashboard', '-p', '3000'] },
  };

  it.each(Object.entries(images))('%s: multi-stage, runs as uid 10001 what the chart runs', (_, image) => {
    const stages = stagesOf(image.file);
    expect(stages.length).toBeGreaterThanOrEqual(4);
    const final = image.final ? stages.find((s) => s.name === image.final)! : stages.at(-1)!;
    expect(instruction(final, 'USER')).toEqual(['USER 10001:10001']);
    expect(commandOf(final)).toEqual(image.cmd);
    // Dependencies are never installed in the final stage: it only copies.
    expect(final.lines.filter((l) => /npm (ci|install)/.test(l))).toEqual([]);
  });

  it('every file a Dockerfile copies from the build context exists', () => {
    for (const file of ['api.Dockerfile', 'worker.Dockerfile', 'dashboard.Dockerfile']) {
      for (const stage of stagesOf(file)) {
        for (const copy of instruction(stage, 'COPY').filter((l) => !l.includes('--from='))) {
          const sources = copy.split(/\s+/).slice(1, -1);
          for (const source of sources) expect([file, source, existsSync(path.join(REPO_ROOT, source))]).toEqual([file, source, true]);
        }
      }
    }
  });

  it('the CUDA worker starts from a CUDA 12 + cuDNN runtime and installs onnxruntime CUDA providers', () => {
    const stages = stagesOf('worker.Dockerfile');
    const text = readFileSync(path.join(REPO_ROOT, 'docker', 'worker.Dockerfile'), 'utf8');
    expect(text).toMatch(/ARG CUDA_IMAGE=nvidia\/cuda:12\.[\d.]+-cudnn-runtime-ubuntu\d+\.\d+/);
    expect(stages.find((s) => s.name === 'cuda')!.from).toBe('${CUDA_IMAGE}');
    const providers = stages.find((s) => s.name === 'cuda-providers')!;
    expect(providers.lines.join('\n')).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js');
    expect(instruction(stages.find((s) => s.name === 'cuda')!, 'COPY')).toContain('COPY --from=cuda-providers /app ./');
    expect(instruction(stages.find((s) => s.name === 'cpu')!, 'COPY')).toContain('COPY --from=build /app ./');
  });
});

describe('prune-dependencies (smaller images from the same lockfile)', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));

  it('server: drops Next.js, React, Pulumi and what only they needed; keeps what the API and worker load', () => {
    const { pkg: out, lock: outLock, removed } = prune(pkg, lock, 'server');
    for (const name of ['next', 'react', '@pulumi/pulumi', '@pulumi/kubernetes']) expect(out.dependencies[name]).toBeUndefined();
    for (const name of ['@prisma/client', 'prisma', 'onnxruntime-node', 'sharp', '@swc-node/register', 'ioredis', 'bullmq', 'zod']) {
      expect([name, outLock.packages[`node_modules/${name}`] !== undefined]).toEqual([name, true]);
    }
    expect(out.devDependencies).toBeUndefined();
    expect(removed).toEqual(expect.arrayContaining(['node_modules/next', 'node_modules/@pulumi/pulumi', 'node_modules/@grpc/grpc-js', 'node_modules/jest']));
    // Workspace links stay, so @darkroom/* still resolve.
    expect(outLock.packages['node_modules/@darkroom/config']).toEqual({ resolved: 'libs/config', link: true });
    expect((outLock.packages[''] as { dependencies: unknown }).dependencies).toEqual(out.dependencies);
  });

  it('dashboard: Next.js and React only', () => {
    const { pkg: out, lock: outLock } = prune(pkg, lock, 'dashboard');
    expect(Object.keys(out.dependencies).sort()).toEqual(['next', 'react', 'react-dom']);
    expect(outLock.packages['node_modules/onnxruntime-node']).toBeUndefined();
    expect(outLock.packages['node_modules/next']).toBeDefined();
  });

  it('refuses an unknown profile', () => {
    expect(() => prune(pkg, lock, 'everything')).toThrow('unknown profile "everything"');
  });
});
