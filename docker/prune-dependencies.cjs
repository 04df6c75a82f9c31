'use strict';
// Trims package.json and package-lock.json to what one image runs, so that `npm ci --omit=dev` installs exactly
// the locked versions of that subset (and nothing that only the removed packages needed).
//   node docker/prune-dependencies.cjs server      # api and worker images: no Next.js, React or Pulumi
//   node docker/prune-dependencies.cjs dashboard   # dashboard runtime: Next.js and React only
const fs = require('node:fs');

const PROFILES = {
  server: { drop: ['next', 'react', 'react-dom', '@pulumi/pulumi', '@pulumi/kubernetes'] },
  dashboard: { keep: ['next', 'react', 'react-dom'] },
};

/** Where Node would find `name` when required from the package at `fromPath` (a lockfile key). */
function resolveFrom(packages, fromPath, name) {
  let base = fromPath;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut >= 0 ? base.slice(0, cut) : '';
  }
}

function dependencyNames(entry, includeDev) {
  const optionalPeers = new Set(Object.entries(entry.peerDependenciesMeta || {}).filter(([, m]) => m && m.optional).map(([n]) => n));
  return [
    ...Object.keys(entry.dependencies || {}).map((name) => ({ name, required: true })),
    ...Object.keys(entry.optionalDependencies || {}).map((name) => ({ name, required: false })),
    ...Object.keys(entry.peerDependencies || {}).map((name) => ({ name, required: !optionalPeers.has(name) })),
    ...(includeDev ? Object.keys(entry.devDependencies || {}).map((name) => ({ name, required: true })) : []),
  ];
}

/** Returns trimmed copies of package.json and package-lock.json (v2/v3) for a profile; inputs are not changed. */
function prune(pkg, lock, profileName) {
  const profile = PROFILES[profileName];
  if (!profile) throw new Error(`unknown profile "${profileName}" (use ${Object.keys(PROFILES).join(' or ')})`);
  if (!lock.packages || !lock.packages['']) throw new Error('package-lock.json v2 or v3 expected');
  const wanted = (name) => (profile.keep ? profile.keep.includes(name) : !profile.drop.includes(name));
  const dependencies = Object.fromEntries(Object.entries(pkg.dependencies || {}).filter(([name]) => wanted(name)));

  const outPkg = { ...pkg, dependencies };
  delete outPkg.devDependencies;
  const root = { ...lock.packages[''], dependencies };
  delete root.devDependencies;
  const packages = { ...lock.packages, '': root };

  // Walk from the root and the workspaces, the way Node resolves requires.
  const reachable = new Set(['']);
  const queue = [''];
  for (const [key, entry] of Object.entries(packages)) {
    if (key && !key.includes('node_modules/')) {
      reachable.add(key);
      queue.push(key); // a workspace folder
    } else if (entry.link) {
      reachable.add(key);
    }
  }
  while (queue.length) {
    const from = queue.shift();
    for (const { name, required } of dependencyNames(packages[from], false)) {
      let target = resolveFrom(packages, from, name);
      if (!target) {
        if (required) throw new Error(`${from || '(root)'} needs ${name}, which the lockfile does not hold`);
        continue;
      }
      if (packages[target].link) {
        reachable.add(target);
        target = packages[target].resolved;
      }
      if (!reachable.has(target)) {
        reachable.add(target);
        queue.push(target);
      }
    }
  }
  const kept = Object.fromEntries(Object.entries(packages).filter(([key]) => reachable.has(key)));
  const removed = Object.keys(packages).filter((key) => !reachable.has(key));
  return { pkg: outPkg, lock: { ...lock, packages: kept }, removed };
}

module.exports = { prune, PROFILES };

if (require.main === module) {
  const profile = process.argv[2];
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
  const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
  const out = prune(pkg, lock, profile);
  fs.writeFileSync('package.json', `${JSON.stringify(out.pkg, null, 2)}\n`);
  fs.writeFileSync('package-lock.json', `${JSON.stringify(out.lock, null, 2)}\n`);
  console.log(`prune-dependencies ${profile}: ${out.removed.length} lockfile entries removed, ${Object.keys(out.lock.packages).length} kept`);
}
