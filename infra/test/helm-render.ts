import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Renders charts/darkroom with tools/helm-render (Go text/template + sprig, like Helm) for tests.
 * The renderer is built once per source version into the temp directory, offline, from Debian's Go packages.
 */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'darkroom');
const RENDERER_DIR = path.join(REPO_ROOT, 'tools', 'helm-render');
export const APT_LINE = 'apt-get update && apt-get install -y golang-go golang-github-masterminds-sprig-dev golang-github-xeipuuv-gojsonschema-dev';

export const goAvailable = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;

/** Why chart tests are skipped, for describe titles; empty when they run. */
export const skipReason = goAvailable ? '' : ` [SKIPPED: no \`go\` on this machine; install it with: ${APT_LINE}]`;

const goEnv = () => ({
  ...process.env,
  GO111MODULE: 'off',
  GOPATH: '/usr/share/gocode',
  GOFLAGS: '',
  GOPROXY: 'off',
  GOCACHE: path.join(os.tmpdir(), 'darkroom-go-cache'),
});

let binary: string | undefined;

export function rendererBinary(): string {
  if (binary) return binary;
  const source = readFileSync(path.join(RENDERER_DIR, 'main.go'));
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'darkroom-helm-render', hash);
  const target = path.join(dir, 'helm-render');
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${target}.${process.pid}`;
    const build = spawnSync('go', ['build', '-o', partial, '.'], { cwd: RENDERER_DIR, env: goEnv(), encoding: 'utf8' });
    if (build.status !== 0) {
      throw new Error(`building tools/helm-render failed (the Go packages it needs: ${APT_LINE}):\n${build.stderr}`);
    }
    renameSync(partial, target); // atomic: parallel test files may build at the same time
  }
  binary = target;
  return target;
}

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> } } & Record<string, any>;

export interface RenderOptions {
  releaseName?: string;
  namespace?: string;
  isUpgrade?: boolean;
  apiVersions?: string[];
}

export type RenderResult = { ok: true; manifests: Manifest[]; notes: string } | { ok: false; error: string };

export function tryRenderChart(values: unknown, options: RenderOptions = {}): RenderResult {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'darkroom-values-'));
  try {
    const valuesFile = path.join(tmp, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(values ?? {}));
    const args = ['--chart', CHART_DIR, '--values', valuesFile, '--output', 'json'];
    args.push('--release-name', options.releaseName ?? 'darkroom', '--namespace', options.namespace ?? 'darkroom');
    if (options.isUpgrade) args.push('--is-upgrade');
    for (const api of options.apiVersions ?? []) args.push('--api-versions', api);
    const run = spawnSync(rendererBinary(), args, { encoding: 'utf8' });
    if (run.status !== 0) return { ok: false, error: run.stderr };
    const out = JSON.parse(run.stdout) as { manifests: Array<{ source: string; object: Manifest }>; notes: string };
    return { ok: true, manifests: out.manifests.map((m) => m.object), notes: out.notes };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function renderChart(values: unknown, options: RenderOptions = {}): { manifests: Manifest[]; notes: string } {
  const result = tryRenderChart(values, options);
  if (!result.ok) throw new Error(`chart did not render:\n${result.error}`);
  return result;
}

export function findManifest(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}
