import { z } from 'zod';
import { appendIndex, appendKey, formatPath, isValidFieldPath, isWithin } from './field-path';
import { IssueList, MAX_ISSUES } from './issue-list';
import { camelToSnake } from './key-case';
import { protoEnum } from './proto-fields';
import { normalizeProtoJson } from './proto-json.normalizer';

describe('field paths', () => {
  it('writes identifiers with dots, indexes and odd keys in brackets', () => {
    expect(appendKey('', 'stages')).toBe('stages');
    expect(appendIndex('stages', 1)).toBe('stages[1]');
    expect(appendKey('stages[1]', 'diffusion')).toBe('stages[1].diffusion');
    expect(appendKey('p', 'low threshold')).toBe('p["low threshold"]');
    expect(appendKey('p', 'a"b')).toBe('p["a\\"b"]');
    expect(appendKey('', '')).toBe('[""]');
    expect(formatPath(['stages', 0, 'diffusion', 'width'])).toBe('stages[0].diffusion.width');
  });

  it('validates paths', () => {
    for (const ok of ['', 'a', 'stages[0].diffusion.width', 'p["x y"]', 'p["a\\"b"].c', '[""]', 'a[12][3]']) expect(isValidFieldPath(ok)).toBe(true);
    for (const bad of ['.', 'a.', 'a..b', 'a[x]', 'a[', '0a', 'a b', 'a["x]', 'a.[0]']) expect(isValidFieldPath(bad)).toBe(false);
  });

  it('tells whether a path lies inside another', () => {
    expect(isWithin('stages[0].diffusion.width', 'stages[0].diffusion')).toBe(true);
    expect(isWithin('stages[0].diffusion', 'stages[0].diffusion')).toBe(true);
    expect(isWithin('stages[0].diffusionX', 'stages[0].diffusion')).toBe(false);
    expect(isWithin('stages[10]', 'stages[1]')).toBe(false);
  });
});

describe('camelToSnake', () => {
  it('gives the proto field name', () => {
    expect(camelToSnake('hrResizeX')).toBe('hr_resize_x');
    expect(camelToSnake('v1Clip')).toBe('v1_clip');
    expect(camelToSnake('adInpaintOnlyMaskedPadding')).toBe('ad_inpaint_only_masked_padding');
    expect(camelToSnake('enablePix2pix')).toBe('enable_pix2pix');
  });
});

describe('IssueList', () => {
  it('caps, dedupes, and hides issues inside a claimed field', () => {
    const list = new IssueList();
    list.add('a', 'min', 'x');
    list.add('a', 'min', 'again');
    list.addAndClaim('b', 'unexpected_field', 'y');
    list.add('b.c', 'max', 'hidden');
    list.add('bc', 'max', 'shown');
    expect(list.toArray().map((i) => `${i.field} ${i.rule}`)).toEqual(['a min', 'b unexpected_field', 'bc max']);
    for (let i = 0; i < 500; i++) list.add(`f${i}`, 'r', 'm');
    expect(list.length).toBe(MAX_ISSUES);
    expect(list.full).toBe(true);
  });
});

describe('normalizeProtoJson', () => {
  const schema = z.strictObject({
    mode: protoEnum(['DEFAULT', 'ON'] as const).optional(),
    free: z.record(z.string(), z.number()).optional(),
  });

  it('copies free-form objects without letting a key reach a prototype', () => {
    const issues = new IssueList();
    const body = JSON.parse('{"free":{"__proto__":{"polluted":1},"ok":1}}');
    const out = normalizeProtoJson(schema, body, '', issues) as { free: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.free)).toBe(Object.prototype);
    expect(out.free).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(issues.toArray()).toEqual([{ field: 'free.__proto__', rule: 'format', message: '"__proto__" is not allowed as a key' }]);
  });

  it('maps enum numbers and leaves unknown ones for validation', () => {
    const issues = new IssueList();
    expect(normalizeProtoJson(schema, { mode: 1 }, '', issues)).toEqual({ mode: 'ON' });
    expect(normalizeProtoJson(schema, { mode: 7 }, '', issues)).toEqual({ mode: 7 });
    expect(issues.length).toBe(0);
  });
});
