/** gRPC status codes the API answers with (google.rpc.Code numbering). */
export enum GrpcCode {
  OK = 0,
  INVALID_ARGUMENT = 3,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  UNAUTHENTICATED = 16,
}

/**
 * The HTTP status that carries a gRPC code, as grpc-gateway maps them. The switch is exhaustive: adding a code
 * without a status fails to compile.
 */
export function httpStatusOf(code: GrpcCode): number {
  switch (code) {
    case GrpcCode.OK:
      return 200;
    case GrpcCode.INVALID_ARGUMENT:
    case GrpcCode.FAILED_PRECONDITION:
      return 400;
    case GrpcCode.UNAUTHENTICATED:
      return 401;
    case GrpcCode.PERMISSION_DENIED:
      return 403;
    case GrpcCode.NOT_FOUND:
      return 404;
    case GrpcCode.ALREADY_EXISTS:
      return 409;
    case GrpcCode.RESOURCE_EXHAUSTED:
      return 429;
    case GrpcCode.INTERNAL:
      return 500;
    case GrpcCode.UNAVAILABLE:
      return 503;
    default: {
      const unhandled: never = code;
      return unhandled;
    }
  }
}
