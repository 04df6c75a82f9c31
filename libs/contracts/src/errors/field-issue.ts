/**
 * One reason a request was refused. `field` is a path into the request in camelCase with indexes in brackets
 * (`stages[1].diffusion.width`); keys that are not identifiers are written as quoted brackets
 * (`preprocessorParams["low threshold"]`); `''` means the whole body.
 */
export interface FieldIssue {
  field: string;
  rule: IssueRule | (string & {});
  message: string;
}

/** The rules this library reports. Callers may add their own (`unknown_model`, `idempotency`, ...). */
export type IssueRule =
  | 'type'
  | 'required'
  | 'integer'
  | 'min'
  | 'max'
  | 'multiple_of'
  | 'min_length'
  | 'max_length'
  | 'min_items'
  | 'max_items'
  | 'enum'
  | 'format'
  | 'url'
  | 'order'
  | 'unknown_field'
  | 'duplicate_field'
  | 'unexpected_field'
  | 'block_weight'
  | 'required_one_of'
  | 'area'
  | 'stage_order'
  | 'stage_count'
  | 'missing_diffusion'
  | 'missing_input_image'
  | 'no_output_stage'
  | 'invalid';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };
