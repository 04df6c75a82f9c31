// Runs the API, one worker and the dashboard side by side, prefixing their output; Ctrl-C stops all three.
const { spawn } = require('node:child_process');

const procs = [
  { name: 'api', cmd: 'node', args: ['-r', '@swc-node/register', 'apps/api/src/main.ts'] },
  { name: 'worker', cmd: 'node', args: ['-r', '@swc-node/register', 'apps/worker/src/main.ts'] },
  { name: 'dashboard', cmd: 'npx', args: ['next', 'start', '-p', process.env.DASHBOARD_PORT || '3000'], cwd: 'apps/dashboard' },
];

const children = procs.map((p) => {
  // Each in its own process group, so that stopping it also stops what it started (npx → next-server).
  const child = spawn(p.cmd, p.args, { cwd: p.cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = (line) => `[${p.name}] ${line}`;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(prefix(line) + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    console.log(prefix(`exited (${signal ?? code})`));
    if (!stopping) stop(code || 1);
  });
  return child;
});

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) {
    if (c.exitCode !== null) continue;
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      c.kill('SIGTERM');
    }
  }
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
