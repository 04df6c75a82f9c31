import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DomainError, errorBody, GrpcCode, httpStatusOf } from '@darkroom/contracts';
import { isDatabaseOverloaded } from '@darkroom/db';

/** Fastify's own errors (body parsing, sizes, content types) are client errors with a clear rule. */
function fastifyError(e: { code?: string; statusCode?: number; message: string }): DomainError | null {
  if (typeof e.code !== 'string' || !e.code.startsWith('FST_')) return null;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new DomainError(GrpcCode.INVALID_ARGUMENT, 'the request body is too large', [{ field: '', rule: 'max_size', message: e.message }]);
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new DomainError(GrpcCode.INVALID_ARGUMENT, 'unsupported content type', [{ field: '', rule: 'content_type', message: e.message }]);
  if (e.code.startsWith('FST_ERR_CTP') || (e.statusCode ?? 500) < 500) {
    return new DomainError(GrpcCode.INVALID_ARGUMENT, `the request body is not valid JSON: ${e.message}`, [{ field: '', rule: 'json', message: e.message }]);
  }
  return null;
}

function httpException(e: HttpException): DomainError {
  const status = e.getStatus();
  const code =
    status === 404 ? GrpcCode.NOT_FOUND : status === 401 ? GrpcCode.UNAUTHENTICATED : status === 403 ? GrpcCode.PERMISSION_DENIED : status === 429 ? GrpcCode.RESOURCE_EXHAUSTED : status >= 500 ? GrpcCode.INTERNAL : GrpcCode.INVALID_ARGUMENT;
  const message = status === 404 ? 'no such endpoint' : e.message;
  return new DomainError(code, message, []);
}

/** The API error an exception becomes; null for an unexpected one (it becomes INTERNAL with a logged id). */
export function domainErrorOf(exception: unknown): DomainError | null {
  if (exception instanceof DomainError) return exception;
  if (exception instanceof HttpException) return httpException(exception);
  const fromFastify = fastifyError((exception ?? {}) as never);
  if (fromFastify) return fromFastify;
  if (isDatabaseOverloaded(exception)) return new DomainError(GrpcCode.UNAVAILABLE, 'the service is busy; retry in a moment', [], { 'retry-after': '1' });
  return null;
}

/** Every error leaves as the gRPC-shaped body with the matching HTTP status. Unknown errors are INTERNAL with a logged id. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let error = domainErrorOf(exception);
    if (error?.code === GrpcCode.UNAVAILABLE) this.log.warn({ err: exception, method: request?.method, url: request?.url }, 'database overloaded');
    if (!error) {
      const errorId = randomUUID();
      this.log.error({ err: exception, errorId, method: request?.method, url: request?.url }, 'unhandled error');
      error = new DomainError(GrpcCode.INTERNAL, `internal error (id ${errorId})`, []);
    }
    void reply.status(httpStatusOf(error.code)).headers(error.headers ?? {}).send(errorBody(error.code, error.message, error.issues));
  }
}
