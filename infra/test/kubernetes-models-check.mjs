// Validates Kubernetes manifests with kubernetes-models (ESM-only, so it runs as its own Node process; Jest's
// CommonJS module system cannot load it). stdin: a JSON array of objects. stdout: a JSON array of results.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const [index, object] of objects.entries()) {
  const { apiVersion = '', kind = '' } = object ?? {};
  const name = object?.metadata?.name ?? '';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const modulePath = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  let Model;
  try {
    Model = (await import(modulePath))[kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    results.push({ index, apiVersion, kind, name, status: 'unknown' });
    continue;
  }
  try {
    new Model(object).validate();
    results.push({ index, apiVersion, kind, name, status: 'valid' });
  } catch (error) {
    results.push({ index, apiVersion, kind, name, status: 'invalid', error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
