import { issueSummary } from './error-body';
import { FieldIssue } from './field-issue';
import { GrpcCode } from './grpc-code';

/**
 * An error the domain raises on purpose. It carries a gRPC code and field issues; one filter in the API turns
 * it into the HTTP answer, so domain code never knows about HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: GrpcCode,
    message: string,
    readonly issues: FieldIssue[] = [],
    /** Extra answer headers (Retry-After, ...). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** INVALID_ARGUMENT whose message names the first issue. */
  static invalid(issues: FieldIssue[]): DomainError {
    const message = issues.length ? issueSummary(issues[0]) : 'invalid request';
    return new DomainError(GrpcCode.INVALID_ARGUMENT, message, issues);
  }

  /** NOT_FOUND for "job 12", "model 34"; `field` adds a field issue. */
  static notFound(what: string, field?: string): DomainError {
    const message = `${what} not found`;
    return new DomainError(GrpcCode.NOT_FOUND, message, field === undefined ? [] : [{ field, rule: 'not_found', message }]);
  }

  static alreadyExists(message: string, issues: FieldIssue[] = []): DomainError {
    return new DomainError(GrpcCode.ALREADY_EXISTS, message, issues);
  }

  static permissionDenied(message: string, issues: FieldIssue[] = []): DomainError {
    return new DomainError(GrpcCode.PERMISSION_DENIED, message, issues);
  }

  static unauthenticated(message: string): DomainError {
    return new DomainError(GrpcCode.UNAUTHENTICATED, message);
  }

  static resourceExhausted(message: string, headers?: Record<string, string>): DomainError {
    return new DomainError(GrpcCode.RESOURCE_EXHAUSTED, message, [], headers);
  }

  static failedPrecondition(message: string, issues: FieldIssue[] = []): DomainError {
    return new DomainError(GrpcCode.FAILED_PRECONDITION, message, issues);
  }

  static internal(message: string): DomainError {
    return new DomainError(GrpcCode.INTERNAL, message);
  }

  static unavailable(message: string): DomainError {
    return new DomainError(GrpcCode.UNAVAILABLE, message);
  }
}
