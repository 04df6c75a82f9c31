// Baseline for bench/create-job.bench.ts: a bare Fastify POST handler answering a constant, the HTTP ceiling.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/v1/jobs', async () => ({ job: { id: '1', status: 'WAITING' } }));
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => process.send?.('ready'));
