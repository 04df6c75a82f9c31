import fc from 'fast-check';
import { FieldIssue, ParseResult } from '../errors/field-issue';
import { canonicalJson, requestHash } from '../hash/request-hash';
import { isValidFieldPath } from '../normalize/field-path';
import { MAX_ISSUES } from '../normalize/issue-list';
import { camelToSnake } from '../normalize/key-case';
import { parseCreateResourceRequest } from '../resources/create-resource.schema';
import { adetailerStage, animateStage, diffusion, diffusionStage, inpaintStage, inputStage, job, upscalerStage } from '../testing/job-fixtures.test-util';
import { parseCreateJobRequest, parseEstimateRequest } from './create-job.parser';

type Path = Array<string | number>;
const DELETE = Symbol('delete');

/** Valid bodies to start from: every stage type, nested lists, snake_case. */
const SEEDS: unknown[] = [
  job(diffusionStage()),
  job(inputStage({ seed: '42', count: 2, imageResourceId: 'img' }), diffusionStage({ steps: 30, sdModel: '123', negativePrompts: [{ text: 'bad', weight: 0.5 }] })),
  job(
    diffusionStage({
      controlnet: { args: [{ preprocessor: 'canny', model: 'cn', weight: 0.8, guidanceStart: 0.1, guidanceEnd: 0.9, preprocessorParams: { low: 100, on: true } }] },
      lora: { items: [{ loraModel: 'l', weight: 0.7, blockWeight: '1:lbw=1,1,1,1,1,1,1,1,1,1,1,1' }] },
      embedding: { items: [{ model: 'e' }] },
      layerDiffusion: { enable: true, weight: 1 },
    }),
    upscalerStage({ hrResizeX: 1024, hrResizeY: 1024 }),
    adetailerStage({ adPrompt: [{ text: 'face' }], adUseSteps: true, adSteps: 30, lora: { items: [{ loraModel: 'fl' }] } }),
    inpaintStage({ maskBlur: 8, inpaintingFill: 2 }),
  ),
  job(animateStage({ videoLength: 16, fps: 8 })),
  job(upscalerStage({ diffusion: diffusion({ width: 1024 }) })),
  { request_id: 'snake', stages: [{ type: 2, diffusion: { width: '768', height: 512, prompts: [{ text: 'x' }], cfg_scale: '6.5' } }] },
];

const DEEP = (() => {
  let v: unknown = 0;
  for (let i = 0; i < 5000; i++) v = [v];
  return v;
})();

/** Boundary and malformed values a mutation may put anywhere. */
const POOL: unknown[] = [
  0, -0, -1, 1, 0.5, 7, 63, 64, 511, 512, 513, 1536, 1537, 5120, 4294967295, 4294967296, 2 ** 31, -(2 ** 31) - 1,
  Number.MAX_SAFE_INTEGER, 2 ** 64, 1e308, -1e308, NaN, Infinity, -Infinity,
  '0', '-1', '512', '1e3', '0x10', ' 1', '1.5', 'NaN', 'Infinity', '', 'x'.repeat(10_001), '\u0000', '__proto__',
  null, true, false, [], {}, [null], [[]], [{}], JSON.parse('{"__proto__":{"x":1}}'), { type: 'DIFFUSION' },
  'DEFAULT', 'DIFFUSION', 'IMAGE_TO_ANIMATE_DIFF', 'TERM_SHORT', 'Merge and Invert', 6, 99,
  DEEP, Array.from({ length: 200 }, () => ({ text: 1 })), Array.from({ length: 20 }, () => diffusionStage()),
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function collectPaths(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (path.length > 12 || v === DEEP) return out;
  if (Array.isArray(v)) v.forEach((item, i) => collectPaths(item, [...path, i], out));
  else if (isObject(v)) for (const k of Object.keys(v)) collectPaths(v[k], [...path, k], out);
  return out;
}

/** A copy of `root` with the value at `path` replaced by `fn(old)` (copying only along the path). */
function updateAt(root: unknown, path: Path, fn: (old: unknown, parentKey: string | number | undefined) => unknown): unknown {
  if (path.length === 0) {
    const next = fn(root, undefined);
    return next === DELETE ? undefined : next;
  }
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    const next = rest.length ? updateAt(copy[head as number], rest, fn) : fn(copy[head as number], head);
    if (next === DELETE) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  if (isObject(root)) {
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(root)) Object.defineProperty(copy, k, { value: root[k], enumerable: true, writable: true, configurable: true });
    const next = rest.length ? updateAt(copy[head as string], rest, fn) : fn(copy[head as string], head);
    if (next === DELETE) delete copy[head as string];
    else Object.defineProperty(copy, head as string, { value: next, enumerable: true, writable: true, configurable: true });
    return copy;
  }
  return root;
}

const ACTIONS = ['set', 'delete', 'snake', 'duplicateSnake', 'unknownSibling', 'wrap', 'stringify'] as const;
type Action = (typeof ACTIONS)[number];

function mutate(body: unknown, pathPick: number, action: Action, valuePick: number): unknown {
  const paths = collectPaths(body);
  const path = paths[pathPick % paths.length];
  const parent = path.slice(0, -1);
  const key = path[path.length - 1];
  switch (action) {
    case 'set':
      return updateAt(body, path, () => POOL[valuePick % POOL.length]);
    case 'delete':
      return updateAt(body, path, () => DELETE);
    case 'wrap':
      return updateAt(body, path, (old) => [old]);
    case 'stringify':
      return updateAt(body, path, (old) => (typeof old === 'number' ? String(old) : old));
    case 'snake':
    case 'duplicateSnake':
    case 'unknownSibling':
      if (typeof key !== 'string') return body;
      return updateAt(body, parent, (obj) => {
        if (!isObject(obj)) return obj;
        const copy: Record<string, unknown> = { ...obj };
        if (action === 'unknownSibling') copy[`${key}Extra`] = 1;
        else {
          copy[camelToSnake(key)] = obj[key];
          if (action === 'snake' && camelToSnake(key) !== key) delete copy[key];
        }
        return copy;
      });
  }
}

function checkResult<T>(result: ParseResult<T>): void {
  if (result.ok) return;
  if (result.issues.length === 0 || result.issues.length > MAX_ISSUES) throw new Error(`${result.issues.length} issues`);
  for (const issue of result.issues as FieldIssue[]) {
    if (typeof issue.rule !== 'string' || issue.rule === '') throw new Error(`empty rule: ${JSON.stringify(issue)}`);
    if (typeof issue.field !== 'string' || !isValidFieldPath(issue.field)) throw new Error(`bad field path: ${JSON.stringify(issue)}`);
    if (typeof issue.message !== 'string' || issue.message === '') throw new Error(`empty message: ${JSON.stringify(issue)}`);
  }
}

/** A job that parses must parse again to itself: the canonical form is stable. */
function checkJob(body: unknown): boolean {
  const created = parseCreateJobRequest(body);
  checkResult(created);
  if (created.ok) {
    const again = parseCreateJobRequest(JSON.parse(JSON.stringify(created.value)));
    if (!again.ok) throw new Error(`a parsed request does not parse again: ${JSON.stringify(again.issues)}`);
    // Plain comparisons: jest matchers would dominate the run time over 10,000 bodies.
    if (canonicalJson(again.value) !== canonicalJson(created.value)) throw new Error('re-parsing changed the request');
    if (requestHash(again.value) !== requestHash(created.value)) throw new Error('re-parsing changed the hash');
  }
  return true;
}

function checkAll(body: unknown): boolean {
  checkResult(parseEstimateRequest(body));
  checkResult(parseCreateResourceRequest(body));
  return checkJob(body);
}

describe('parsers never throw and always explain themselves', () => {
  const mutation = fc.tuple(fc.nat(), fc.constantFrom(...ACTIONS), fc.nat());

  it('on 10,000 mutated boundary bodies', () => {
    let parsedOk = 0;
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { maxLength: 4 }), (seed, mutations) => {
        const body = mutations.reduce((b, [p, a, v]) => mutate(b, p, a, v), seed);
        if (parseCreateJobRequest(body).ok) parsedOk++;
        return checkJob(body);
      }),
      { numRuns: 10_000 },
    );
    // Both branches were exercised.
    expect(parsedOk).toBeGreaterThan(100);
    expect(parsedOk).toBeLessThan(10_000);
  });

  it('on arbitrary values', () => {
    const value = fc.anything({ withNullPrototype: true, withObjectString: true, withBigInt: true, withDate: true, withMap: true, withTypedArray: true, withSparseArray: true, maxDepth: 6 });
    fc.assert(fc.property(fc.oneof(value, fc.dictionary(fc.string(), value)), checkAll), { numRuns: 2_000 });
  });

  it('on arbitrary JSON text turned into values', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 6 }), (text) => checkAll(JSON.parse(text))), { numRuns: 1_000 });
  });

  it('estimate and resource parsers on mutated bodies', () => {
    const mutation = fc.tuple(fc.nat(), fc.constantFrom(...ACTIONS), fc.nat());
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { maxLength: 3 }), (seed, mutations) => {
        const body = mutations.reduce((b, [p, a, v]) => mutate(b, p, a, v), seed);
        checkResult(parseEstimateRequest(body));
        checkResult(parseEstimateRequest(isObject(body) ? { stages: body.stages } : body));
        checkResult(parseCreateResourceRequest(body));
        checkResult(parseCreateResourceRequest(isObject(body) ? { expireSec: body.requestId, term: body.stages } : body));
        return true;
      }),
      { numRuns: 1_000 },
    );
  });
});
