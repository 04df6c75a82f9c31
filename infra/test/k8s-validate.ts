import { spawnSync } from 'node:child_process';
import path from 'node:path';

export interface ValidationResult {
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  status: 'valid' | 'invalid' | 'unknown';
  error?: string;
}

/**
 * Checks manifests against the Kubernetes schemas with kubernetes-models. That package is ESM-only and Jest
 * runs CommonJS here, so a plain Node process (kubernetes-models-check.mjs) does the checking.
 */
export function validateManifests(objects: unknown[]): ValidationResult[] {
  const run = spawnSync(process.execPath, [path.join(__dirname, 'kubernetes-models-check.mjs')], { input: JSON.stringify(objects), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`kubernetes-models-check.mjs failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as ValidationResult[];
}

/** The problems of every manifest kubernetes-models knows; objects of other kinds (CRDs) are listed apart. */
export function schemaProblems(objects: unknown[]): { invalid: string[]; unknown: string[] } {
  const results = validateManifests(objects);
  return {
    invalid: results.filter((r) => r.status === 'invalid').map((r) => `${r.kind}/${r.name}: ${r.error}`),
    unknown: results.filter((r) => r.status === 'unknown').map((r) => `${r.apiVersion}/${r.kind}`),
  };
}
