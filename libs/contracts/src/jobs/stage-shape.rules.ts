import { appendIndex, appendKey } from '../normalize/field-path';
import { IssueList } from '../normalize/issue-list';
import { isPlainObject } from '../normalize/proto-json.normalizer';
import { JobStageType, STAGE_TYPES } from './job-enums';
import { STAGE_PAYLOAD_KEY, STAGE_PAYLOAD_KEYS } from './stage.schema';

const hasAnimateDiffArgs = (diffusion: unknown): boolean => {
  if (!isPlainObject(diffusion) || !isPlainObject(diffusion.animateDiff)) return false;
  const args = diffusion.animateDiff.args;
  return Array.isArray(args) && args.length > 0;
};

function inferType(key: string, payload: unknown): JobStageType {
  if (key === 'diffusion') return hasAnimateDiffArgs(payload) ? 'IMAGE_TO_ANIMATE_DIFF' : 'DIFFUSION';
  return (Object.keys(STAGE_PAYLOAD_KEY) as JobStageType[]).find((t) => STAGE_PAYLOAD_KEY[t] === key) ?? 'DIFFUSION';
}

/**
 * Type ↔ payload rules, on the normalized stages (before field validation, so that a payload of the wrong kind
 * is reported once instead of field by field):
 * - a missing or DEFAULT type is inferred when exactly one payload object is present, else `required`;
 * - the payload the type takes must be present (`required`); any other payload is `unexpected_field`;
 * - IMAGE_TO_ANIMATE_DIFF needs `diffusion.animateDiff.args` with an item.
 */
export function applyStageShapeRules(stages: unknown, issues: IssueList, base = 'stages'): void {
  if (!Array.isArray(stages)) return;
  stages.forEach((stage, i) => {
    if (!isPlainObject(stage)) return;
    const path = appendIndex(base, i);
    const present = STAGE_PAYLOAD_KEYS.filter((k) => stage[k] !== undefined);
    let type = stage.type;
    if (type === undefined || type === 'DEFAULT') {
      if (present.length !== 1) {
        const why = present.length ? `a stage with ${present.join(' and ')} needs its type` : 'a stage needs its type and payload object';
        issues.addAndClaim(appendKey(path, 'type'), 'required', why);
        return;
      }
      type = inferType(present[0], stage[present[0]]);
      stage.type = type;
    }
    if (typeof type !== 'string' || !(STAGE_TYPES as readonly string[]).includes(type)) return; // zod reports it
    const stageType = type as JobStageType;
    const expected = STAGE_PAYLOAD_KEY[stageType];
    if (stage[expected] === undefined) issues.add(appendKey(path, expected), 'required', `${stageType} stages need "${expected}"`);
    for (const other of present) {
      if (other !== expected) {
        issues.addAndClaim(appendKey(path, other), 'unexpected_field', `${stageType} stages take "${expected}", not "${other}"`);
      }
    }
    if (stageType === 'IMAGE_TO_ANIMATE_DIFF' && isPlainObject(stage.diffusion)) {
      const animateDiff = stage.diffusion.animateDiff;
      const args = isPlainObject(animateDiff) ? animateDiff.args : undefined;
      if (args === undefined || (Array.isArray(args) && args.length === 0)) {
        issues.add(`${path}.diffusion.animateDiff.args`, 'required', 'an IMAGE_TO_ANIMATE_DIFF stage needs one animateDiff.args item');
      }
    }
  });
}
