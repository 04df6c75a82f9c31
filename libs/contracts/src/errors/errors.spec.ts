import { DomainError, errorBody, FIELD_VIOLATION_TYPE, GrpcCode, httpStatusOf } from '../api-error';

describe('httpStatusOf', () => {
  it.each([
    [GrpcCode.OK, 200],
    [GrpcCode.INVALID_ARGUMENT, 400],
    [GrpcCode.NOT_FOUND, 404],
    [GrpcCode.ALREADY_EXISTS, 409],
    [GrpcCode.PERMISSION_DENIED, 403],
    [GrpcCode.RESOURCE_EXHAUSTED, 429],
    [GrpcCode.FAILED_PRECONDITION, 400],
    [GrpcCode.UNAUTHENTICATED, 401],
    [GrpcCode.INTERNAL, 500],
    [GrpcCode.UNAVAILABLE, 503],
  ])('maps gRPC code %i to HTTP %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });

  it('keeps the gRPC numbering', () => {
    expect([GrpcCode.INVALID_ARGUMENT, GrpcCode.NOT_FOUND, GrpcCode.UNAUTHENTICATED, GrpcCode.INTERNAL]).toEqual([3, 5, 16, 13]);
  });
});

describe('errorBody', () => {
  it('lists each field issue as a FieldViolation detail', () => {
    const body = errorBody(GrpcCode.INVALID_ARGUMENT, 'bad', [{ field: 'stages[0].diffusion.width', rule: 'multiple_of', message: 'must be a multiple of 64' }]);
    expect(body).toEqual({
      code: 3,
      message: 'bad',
      details: [{ '@type': FIELD_VIOLATION_TYPE, field: 'stages[0].diffusion.width', rule: 'multiple_of', description: 'must be a multiple of 64' }],
    });
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  });

  it('derives an empty message from the first issue, or the code name', () => {
    expect(errorBody(GrpcCode.INVALID_ARGUMENT, '', [{ field: 'requestId', rule: 'required', message: 'is required' }]).message).toBe('requestId: is required');
    expect(errorBody(GrpcCode.NOT_FOUND, '')).toEqual({ code: 5, message: 'NOT_FOUND', details: [] });
  });
});

describe('DomainError', () => {
  it('invalid() names the first field and what is wrong with it', () => {
    const e = DomainError.invalid([
      { field: 'stages[0].diffusion.width', rule: 'multiple_of', message: 'must be a multiple of 64' },
      { field: 'requestId', rule: 'required', message: 'is required' },
    ]);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(GrpcCode.INVALID_ARGUMENT);
    expect(e.message).toBe('stages[0].diffusion.width: must be a multiple of 64');
    expect(e.issues).toHaveLength(2);
  });

  it('a whole-body issue has no field prefix', () => {
    expect(DomainError.invalid([{ field: '', rule: 'type', message: 'the body must be a JSON object' }]).message).toBe('the body must be a JSON object');
  });

  it('helpers carry their codes', () => {
    expect(DomainError.notFound('job 12').code).toBe(GrpcCode.NOT_FOUND);
    expect(DomainError.notFound('job 12').message).toBe('job 12 not found');
    expect(DomainError.notFound('job 12', 'jobId').issues).toEqual([{ field: 'jobId', rule: 'not_found', message: 'job 12 not found' }]);
    expect(DomainError.alreadyExists('x').code).toBe(GrpcCode.ALREADY_EXISTS);
    expect(DomainError.permissionDenied('x').code).toBe(GrpcCode.PERMISSION_DENIED);
    expect(DomainError.unauthenticated('x').code).toBe(GrpcCode.UNAUTHENTICATED);
    expect(DomainError.resourceExhausted('x', { 'Retry-After': '1' }).headers).toEqual({ 'Retry-After': '1' });
    expect(DomainError.failedPrecondition('x').code).toBe(GrpcCode.FAILED_PRECONDITION);
    expect(DomainError.internal('x').code).toBe(GrpcCode.INTERNAL);
    expect(DomainError.unavailable('x').code).toBe(GrpcCode.UNAVAILABLE);
  });
});
