import { parseCreateJobRequest } from '../jobs/create-job.parser';
import { diffusion, valueOf } from '../testing/job-fixtures.test-util';
import { canonicalJson, requestHash } from './request-hash';

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('follows JSON.stringify for undefined, non-finite numbers and -0', () => {
    expect(canonicalJson({ a: undefined, b: [undefined], c: NaN, d: -0 })).toBe('{"b":[null],"c":null,"d":0}');
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
  });

  it('is JSON that reads back as the same value', () => {
    const value = { 'k"ey': 'va\nlue', n: [1.5, true, null], e: {} };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it('throws on cycles and BigInt', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    const shared = { x: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });
});

describe('requestHash', () => {
  const body = {
    requestId: 'r',
    stages: [{ type: 'DIFFUSION', diffusion: diffusion({ cfgScale: 5, steps: 25 }) }],
  };

  it('does not depend on key order, key spelling or equivalent encodings', () => {
    const a = valueOf(parseCreateJobRequest(body));
    const b = valueOf(
      parseCreateJobRequest({
        stages: [{ diffusion: { steps: '25', cfg_scale: 5, prompts: [{ weight: 0, text: 'a lighthouse on a cliff' }], height: '512', width: 0 }, type: 2 }],
        request_id: 'r',
      }),
    );
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when the request changes', () => {
    const a = valueOf(parseCreateJobRequest(body));
    const b = valueOf(parseCreateJobRequest({ ...body, stages: [{ type: 'DIFFUSION', diffusion: diffusion({ cfgScale: 5, steps: 26 }) }] }));
    expect(requestHash(a)).not.toBe(requestHash(b));
  });

  it('treats a bool sent as false like one left out, and true as different', () => {
    const base = valueOf(parseCreateJobRequest(body));
    const withFalse = valueOf(parseCreateJobRequest({ ...body, stages: [{ type: 'DIFFUSION', diffusion: diffusion({ cfgScale: 5, steps: 25, v1Clip: false, enablePix2pix: false }) }] }));
    const withTrue = valueOf(parseCreateJobRequest({ ...body, stages: [{ type: 'DIFFUSION', diffusion: diffusion({ cfgScale: 5, steps: 25, v1Clip: true }) }] }));
    expect(requestHash(withFalse)).toBe(requestHash(base));
    expect(requestHash(withTrue)).not.toBe(requestHash(base));
  });
});
