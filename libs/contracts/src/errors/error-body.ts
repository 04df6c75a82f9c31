import { FieldIssue } from './field-issue';
import { GrpcCode } from './grpc-code';

export const FIELD_VIOLATION_TYPE = 'type.googleapis.com/google.rpc.BadRequest.FieldViolation';

export interface ApiErrorDetail {
  '@type': string;
  field?: string;
  rule?: string;
  description: string;
}

/** The body of every error answer: google.rpc.Status as grpc-gateway writes it. */
export interface ApiErrorBody {
  code: number;
  message: string;
  details: ApiErrorDetail[];
}

/** `stages[0].diffusion.width: must be a multiple of 64`, or just the message for a whole-body issue. */
export function issueSummary(issue: FieldIssue): string {
  return issue.field ? `${issue.field}: ${issue.message}` : issue.message;
}

/** Builds the error body; an empty message is replaced by the first issue's summary. */
export function errorBody(code: GrpcCode, message: string, issues: FieldIssue[] = []): ApiErrorBody {
  return {
    code,
    message: message || (issues.length ? issueSummary(issues[0]) : GrpcCode[code] ?? 'error'),
    details: issues.map((i) => ({ '@type': FIELD_VIOLATION_TYPE, field: i.field, rule: i.rule, description: i.message })),
  };
}
