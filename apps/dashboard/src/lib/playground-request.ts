// The playground form ↔ a TAMS create-job body. The API validates the body with the same parser as POST /v1/jobs;
// this file only shapes it and sends each field issue back to the input it came from.

export interface PlaygroundForm {
  prompt: string;
  negativePrompt: string;
  /** Catalogue id; '' = the default checkpoint. */
  model: string;
  width: number;
  height: number;
  steps: number;
  sampler: string;
  cfgScale: number;
  /** '' = random. */
  seed: string;
  count: number;
}

export type PlaygroundField = keyof PlaygroundForm;

export const DEFAULT_FORM: PlaygroundForm = {
  prompt: '',
  negativePrompt: '',
  model: '',
  width: 512,
  height: 512,
  steps: 20,
  sampler: '',
  cfgScale: 7,
  seed: '',
  count: 1,
};

/** The stages of a txt2img job: INPUT_INITIALIZE (seed, count) then DIFFUSION. */
export function playgroundStages(form: PlaygroundForm) {
  const seed = form.seed.trim();
  return [
    { type: 'INPUT_INITIALIZE', inputInitialize: { ...(seed ? { seed } : {}), count: form.count } },
    {
      type: 'DIFFUSION',
      diffusion: {
        width: form.width,
        height: form.height,
        prompts: [{ text: form.prompt }],
        ...(form.negativePrompt.trim() ? { negativePrompts: [{ text: form.negativePrompt }] } : {}),
        ...(form.model ? { sdModel: form.model } : {}),
        ...(form.sampler ? { sampler: form.sampler } : {}),
        steps: form.steps,
        cfgScale: form.cfgScale,
      },
    },
  ];
}

export function playgroundRequest(form: PlaygroundForm, requestId: string) {
  return { requestId, stages: playgroundStages(form) };
}

const FIELD_OF_PATH: Array<[RegExp, PlaygroundField]> = [
  [/^stages\[0\]\.inputInitialize\.seed$/, 'seed'],
  [/^stages\[0\]\.inputInitialize\.count$/, 'count'],
  [/^stages\[1\]\.diffusion\.prompts(\[|$)/, 'prompt'],
  [/^stages\[1\]\.diffusion\.negativePrompts(\[|$)/, 'negativePrompt'],
  [/^stages\[1\]\.diffusion\.sdModel$/, 'model'],
  [/^stages\[1\]\.diffusion\.width$/, 'width'],
  [/^stages\[1\]\.diffusion\.height$/, 'height'],
  [/^stages\[1\]\.diffusion\.steps$/, 'steps'],
  [/^stages\[1\]\.diffusion\.sampler$/, 'sampler'],
  [/^stages\[1\]\.diffusion\.cfgScale$/, 'cfgScale'],
];

/** The API's field issues, keyed by the form input they concern; the rest under '' (shown above the form). */
export function issuesByField(details: Array<{ field?: string; description: string }>): Partial<Record<PlaygroundField | '', string>> {
  const out: Partial<Record<PlaygroundField | '', string>> = {};
  for (const d of details) {
    const path = d.field ?? '';
    const field = FIELD_OF_PATH.find(([re]) => re.test(path))?.[1] ?? '';
    const message = field ? d.description : path ? `${path}: ${d.description}` : d.description;
    if (!out[field]) out[field] = message;
  }
  return out;
}

/** Prefills the form from a job's stored request ("run again"); fields it does not recognise keep the defaults. */
export function formFromRequest(request: unknown, base: PlaygroundForm = DEFAULT_FORM): PlaygroundForm {
  const form = { ...base };
  const stages = (request as { stages?: unknown[] } | null)?.stages;
  if (!Array.isArray(stages)) return form;
  for (const stage of stages as Array<Record<string, any>>) {
    const init = stage?.inputInitialize;
    if (init) {
      if (typeof init.seed === 'number' && init.seed > 0) form.seed = String(init.seed);
      if (typeof init.count === 'number') form.count = init.count;
    }
    const d = stage?.type === 'DIFFUSION' ? stage.diffusion : undefined;
    if (d) {
      if (Array.isArray(d.prompts)) form.prompt = d.prompts.map((p: { text?: string }) => p.text ?? '').join(', ');
      if (Array.isArray(d.negativePrompts)) form.negativePrompt = d.negativePrompts.map((p: { text?: string }) => p.text ?? '').join(', ');
      if (typeof d.sdModel === 'string') form.model = d.sdModel;
      if (typeof d.sampler === 'string') form.sampler = d.sampler;
      for (const k of ['width', 'height', 'steps', 'cfgScale'] as const) if (typeof d[k] === 'number') form[k] = d[k];
    }
  }
  return form;
}
