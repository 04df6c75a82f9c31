import { DEFAULT_FORM, formFromRequest, issuesByField, playgroundRequest } from '../src/lib/playground-request';
import { ApiError, readCookie } from '../src/lib/api-client';
import { formatChange, formatCredits } from '../src/lib/format';
import { parseCreateJobRequest } from '@darkroom/contracts';

describe('playground request', () => {
  const form = { ...DEFAULT_FORM, prompt: 'a lighthouse at dusk', negativePrompt: 'blurry', width: 640, steps: 8, sampler: 'Euler a', seed: '99', count: 2 };

  it('builds a body that the API parser accepts, with seed, count and the diffusion fields', () => {
    const body = playgroundRequest(form, 'pg-1');
    const parsed = parseCreateJobRequest(body);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.stages[0].inputInitialize).toMatchObject({ seed: 99, count: 2 });
    expect(parsed.value.stages[1].diffusion).toMatchObject({ width: 640, height: 512, steps: 8, sampler: 'Euler a', prompts: [{ text: 'a lighthouse at dusk' }], negativePrompts: [{ text: 'blurry' }] });
  });

  it('leaves out the seed for a random one, and the sampler and model for the defaults', () => {
    const body = playgroundRequest({ ...DEFAULT_FORM, prompt: 'x' }, 'pg-2');
    expect(body.stages[0]).toEqual({ type: 'INPUT_INITIALIZE', inputInitialize: { count: 1 } });
    expect(body.stages[1].diffusion).not.toHaveProperty('sampler');
    expect(body.stages[1].diffusion).not.toHaveProperty('sdModel');
  });

  it("sends the API parser's field issues back to the inputs they concern", () => {
    const parsed = parseCreateJobRequest(playgroundRequest({ ...form, width: 500, steps: 99, seed: '-5' }, 'pg-3'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const byField = issuesByField(parsed.issues.map((i) => ({ field: i.field, description: i.message })));
    expect(Object.keys(byField).sort()).toEqual(['seed', 'steps', 'width']);
    expect(issuesByField([{ field: 'requestId', description: 'bad' }, { description: 'whole body' }])).toEqual({ '': 'requestId: bad' });
  });

  it('prefills the form from a stored request (run again) and round-trips', () => {
    const parsed = parseCreateJobRequest(playgroundRequest(form, 'pg-4'));
    if (!parsed.ok) throw new Error('unexpected');
    expect(formFromRequest(JSON.parse(JSON.stringify(parsed.value)))).toEqual(form);
    expect(formFromRequest(null)).toEqual(DEFAULT_FORM);
  });
});

describe('dashboard helpers', () => {
  it('reads the CSRF cookie', () => {
    expect(readCookie('dr_csrf', 'a=1; dr_csrf=abc%3D; b=2')).toBe('abc=');
    expect(readCookie('dr_csrf', 'a=1')).toBeUndefined();
  });

  it('keys field issues by path', () => {
    const e = new ApiError(400, 'bad', [
      { '@type': 't', field: 'email', description: 'is taken' },
      { '@type': 't', field: 'email', description: 'second' },
    ]);
    expect(e.fieldErrors()).toEqual({ email: 'is taken' });
  });

  it('formats credits with up to 4 decimals and signed changes', () => {
    expect(formatCredits(1234.5)).toBe('1,234.5');
    expect(formatCredits(0.04)).toBe('0.04');
    expect(formatChange(-0.04)).toBe('−0.04');
    expect(formatChange(25)).toBe('+25');
  });
});
