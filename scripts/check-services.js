// Exits 0 when DATABASE_URL's Postgres and REDIS_URL's Redis answer; otherwise says how to start them.
const net = require('node:net');

function reachable(url, fallbackPort) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || fallbackPort) });
    socket.setTimeout(2000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

(async () => {
  const pg = process.env.DATABASE_URL;
  const redis = process.env.REDIS_URL;
  const down = [];
  if (!(await reachable(pg, 5432))) down.push(`PostgreSQL at ${new URL(pg).host}`);
  if (!(await reachable(redis, 6379))) down.push(`Redis at ${new URL(redis).host}`);
  if (!down.length) return;
  console.error(`\n✗ darkroom needs ${down.join(' and ')}, which did not answer.\n`);
  console.error('  Start both with Docker:      docker compose up -d      (compose.yaml in this folder)');
  console.error('  or point DATABASE_URL / REDIS_URL at servers you already run, then run npm start again.\n');
  process.exit(3);
})();
