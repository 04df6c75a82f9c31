import { NotFoundException } from '@nestjs/common';
import { DomainError, GrpcCode } from '@darkroom/contracts';
import { domainErrorOf } from './api-exception.filter';

describe('domainErrorOf', () => {
  it('keeps domain errors and maps HTTP and Fastify errors to gRPC codes', () => {
    const domain = new DomainError(GrpcCode.ALREADY_EXISTS, 'x');
    expect(domainErrorOf(domain)).toBe(domain);
    expect(domainErrorOf(new NotFoundException())?.code).toBe(GrpcCode.NOT_FOUND);
    expect(domainErrorOf({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'too large' })?.issues[0].rule).toBe('max_size');
    expect(domainErrorOf({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400, message: 'bad' })?.code).toBe(GrpcCode.INVALID_ARGUMENT);
  });

  it('turns database overload into a retryable UNAVAILABLE, not a 500', () => {
    for (const e of [
      Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028' }),
      new Error('Unknown transaction status.'),
      Object.assign(new Error('Timed out fetching a new connection from the connection pool.'), { code: 'P2024' }),
    ]) {
      const mapped = domainErrorOf(e);
      expect(mapped?.code).toBe(GrpcCode.UNAVAILABLE);
      expect(mapped?.headers).toEqual({ 'retry-after': '1' });
    }
  });

  it('leaves unexpected errors to become INTERNAL', () => {
    expect(domainErrorOf(new TypeError('boom'))).toBeNull();
    expect(domainErrorOf(undefined)).toBeNull();
  });
});
