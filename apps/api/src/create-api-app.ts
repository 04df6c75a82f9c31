import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { octetStreamParser } from './catalogue/octet-stream-body';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { ApiMetrics } from './metrics/api-metrics';
import { ApiModuleOptions, AppModule } from './app.module';
import { buildApiDocument } from './openapi/platform-openapi';
import { LOGGER } from './platform/tokens';

const JSON_BODY_LIMIT = 1024 * 1024;

/** Builds the API (used by main.ts and by the tests, which boot the real app against real Postgres and Redis). */
export async function createApiApp(options: ApiModuleOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: JSON_BODY_LIMIT, trustProxy: true, routerOptions: { maxParamLength: 200 } } as never);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, { rawBody: true, logger: false });
  const fastify = app.getHttpAdapter().getInstance();

  // Uploads: image bytes under any of these types, up to the configured size (checked again as an image).
  fastify.addContentTypeParser(
    ['image/png', 'image/jpeg', 'image/webp'],
    { parseAs: 'buffer', bodyLimit: options.config.UPLOAD_MAX_BYTES },
    (_req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body),
  );
  // The same for octet-stream, except model files (catalogue uploads), which are streamed to disk.
  fastify.addContentTypeParser('application/octet-stream', { bodyLimit: Number.MAX_SAFE_INTEGER }, octetStreamParser(options.config.UPLOAD_MAX_BYTES) as never);

  const log = app.get<Logger>(LOGGER);
  app.useGlobalFilters(new ApiExceptionFilter(log));

  const metrics = app.get(ApiMetrics);
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = (req.routeOptions?.url ?? 'unmatched').replace(/:[A-Za-z]+/g, ':param');
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    done();
  });

  // Swagger UI at /docs over the same generated document that /openapi.json serves.
  await app.register(fastifySwagger as never, { mode: 'static', specification: { document: buildApiDocument(options.config.PUBLIC_BASE_URL) } });
  await app.register(fastifySwaggerUi as never, { routePrefix: '/docs' });
  app.enableShutdownHooks();
  await app.init();
  return app;
}
