import { parseCreateJobRequest, parseEstimateRequest } from './create-job.parser';
import { diffusion, diffusionStage, inputStage, issuesOf, job, Json, upscalerStage, valueOf } from '../testing/job-fixtures.test-util';

describe('parseCreateJobRequest: protobuf JSON conventions', () => {
  it('parses a minimal job and applies defaults', () => {
    const req = valueOf(parseCreateJobRequest(job(diffusionStage())));
    expect(req).toEqual({
      requestId: 'req-1',
      stages: [
        {
          type: 'DIFFUSION',
          diffusion: {
            width: 512,
            height: 512,
            prompts: [{ text: 'a lighthouse on a cliff', weight: 1 }],
            negativePrompts: [],
            steps: 20,
            cfgScale: 7,
          },
        },
      ],
    });
  });

  it('accepts snake_case keys at every level and answers camelCase', () => {
    const body = {
      request_id: 'snake',
      notify_url: 'https://example.com/hook',
      stages: [
        { type: 'INPUT_INITIALIZE', input_initialize: { image_resource_id: 'img-1', count: 2 } },
        {
          type: 'DIFFUSION',
          diffusion: {
            width: 512,
            height: 768,
            prompts: [{ text: 'x' }],
            negative_prompts: [{ text: 'blurry', weight: 0.5 }],
            sd_model: 'm',
            cfg_scale: 5,
            clip_skip: 2,
            eta_noise_seed_delta: 31337,
            v1_clip: true,
            enable_pix2pix: false,
            use_hunyuan_dit: false,
            controlnet: { args: [{ preprocessor: 'canny', model: 'cn', guidance_start: 0.1, guidance_end: 0.9, pixel_perfect: true, preprocessor_params: { low_threshold: 100 } }] },
            lora: { items: [{ lora_model: 'l', lora_access_key: 'k', block_weight: '1:lbw=1,1,1,1,1,1,1,1,1,1,1,1' }] },
            layer_diffusion: { enable: true },
            clip_encoder_name: 'ViT-L',
          },
        },
        { type: 'IMAGE_TO_UPSCALER', image_to_upscaler: { hr_upscaler: 'Latent', hr_resize_x: 1024, hr_resize_y: 1536, hr_second_pass_steps: 10, denoising_strength: 0.4 } },
        {
          type: 'IMAGE_TO_ADETAILER',
          image_to_adetailer: { args: [{ ad_model: 'face_yolov8n.pt', ad_inpaint_only_masked_padding: 16, ad_use_inpaint_width_height: true, ad_inpaint_width: 768 }] },
        },
      ],
    };
    const req = valueOf(parseCreateJobRequest(body));
    expect(req.requestId).toBe('snake');
    expect(req.notifyUrl).toBe('https://example.com/hook');
    expect(req.stages[0].inputInitialize).toEqual({ seed: 0, imageResourceId: 'img-1', count: 2 });
    const d = req.stages[1].diffusion!;
    expect(d.negativePrompts).toEqual([{ text: 'blurry', weight: 0.5 }]);
    expect([d.sdModel, d.cfgScale, d.clipSkip, d.etaNoiseSeedDelta, d.v1Clip, d.clipEncoderName]).toEqual(['m', 5, 2, 31337, true, 'ViT-L']);
    expect(d.controlnet!.args[0]).toMatchObject({ guidanceStart: 0.1, guidanceEnd: 0.9, pixelPerfect: true, preprocessorParams: { low_threshold: 100 } });
    expect(d.lora!.items[0]).toMatchObject({ loraModel: 'l', loraAccessKey: 'k' });
    expect(d.layerDiffusion).toEqual({ enable: true, weight: 1 });
    expect(req.stages[2].imageToUpscaler).toMatchObject({ hrResizeX: 1024, hrResizeY: 1536, hrSecondPassSteps: 10 });
    expect(req.stages[3].imageToAdetailer!.args[0]).toMatchObject({ adInpaintOnlyMaskedPadding: 16, adUseInpaintWidthHeight: true, adInpaintWidth: 768 });
  });

  it('camelCase and snake_case bodies give the same request', () => {
    const camel = valueOf(parseCreateJobRequest(job(upscalerStage({ hrScale: 1.5 }), diffusionStage({ cfgScale: 3 }))));
    const snake = valueOf(
      parseCreateJobRequest({
        request_id: 'req-1',
        stages: [
          { type: 'IMAGE_TO_UPSCALER', image_to_upscaler: { hr_upscaler: 'Latent', hr_scale: 1.5, denoising_strength: 0.5 } },
          { type: 'DIFFUSION', diffusion: { ...diffusion(), cfg_scale: 3 } },
        ],
      }),
    );
    expect(snake).toEqual(camel);
  });

  it('refuses both spellings of one key in the same object', () => {
    expect(issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), request_id: 'again' }))).toContainEqual(
      expect.objectContaining({ field: 'requestId', rule: 'duplicate_field' }),
    );
    const issues = issuesOf(parseCreateJobRequest(job(diffusionStage({ cfgScale: 5, cfg_scale: 6 }))));
    expect(issues).toEqual([expect.objectContaining({ field: 'stages[0].diffusion.cfgScale', rule: 'duplicate_field' })]);
  });

  it('refuses unknown fields, naming their exact path', () => {
    const cases: Array<[unknown, string]> = [
      [{ ...job(diffusionStage()), priority: 1 }, 'priority'],
      [job({ ...diffusionStage(), extra: true }), 'stages[0].extra'],
      [job(diffusionStage({ hiresFix: true })), 'stages[0].diffusion.hiresFix'],
      [job(diffusionStage({ prompts: [{ text: 'x', emphasis: 2 }] })), 'stages[0].diffusion.prompts[0].emphasis'],
      [job(diffusionStage({ controlnet: { args: [{ preprocessor: 'canny', model: 'cn', lowvram: true }] } })), 'stages[0].diffusion.controlnet.args[0].lowvram'],
      [job(diffusionStage({ lora: { items: [{ loraModel: 'l', strength: 1 }] } })), 'stages[0].diffusion.lora.items[0].strength'],
      [job(diffusionStage(), upscalerStage({ hrCfg: 3 })), 'stages[1].imageToUpscaler.hrCfg'],
      [job(diffusionStage({ 'odd key': 1 })), 'stages[0].diffusion["odd key"]'],
      [job(diffusionStage({ hr_resizeX: 1 })), 'stages[0].diffusion.hr_resizeX'],
    ];
    for (const [body, field] of cases) {
      expect(issuesOf(parseCreateJobRequest(body))).toContainEqual({ field, rule: 'unknown_field', message: expect.stringContaining('unknown field') });
    }
  });

  it('cuts a huge unknown key in the answer', () => {
    const key = 'k'.repeat(100_000);
    const [issue] = issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), [key]: 1 }));
    expect(issue.field).toBe(`${'k'.repeat(128)}…`.replace(/^(.*)$/, '["$1"]'));
    expect(issue.message.length).toBeLessThan(200);
  });

  it('accepts only exact camelCase or exact snake_case spellings', () => {
    expect(issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), RequestId: 'x' }))).toContainEqual(expect.objectContaining({ field: 'RequestId', rule: 'unknown_field' }));
  });

  it('reads int64 fields from decimal strings and int32 fields from numbers or strings', () => {
    const req = valueOf(
      parseCreateJobRequest(job(inputStage({ seed: '4294967295', count: '3' }), diffusionStage({ width: '1024', height: '768', steps: '30' }))),
    );
    expect(req.stages[0].inputInitialize).toEqual({ seed: 4294967295, count: 3 });
    expect(req.stages[1].diffusion).toMatchObject({ width: 1024, height: 768, steps: 30 });
    expect(issuesOf(parseCreateJobRequest(job(inputStage({ seed: '4294967296' }), diffusionStage())))).toContainEqual(
      expect.objectContaining({ field: 'stages[0].inputInitialize.seed', rule: 'max' }),
    );
    expect(issuesOf(parseCreateJobRequest(job(diffusionStage({ width: '512.5' }))))).toContainEqual(
      expect.objectContaining({ field: 'stages[0].diffusion.width', rule: 'integer' }),
    );
    expect(issuesOf(parseCreateJobRequest(job(diffusionStage({ width: 'wide' }))))).toContainEqual(
      expect.objectContaining({ field: 'stages[0].diffusion.width', rule: 'type' }),
    );
    expect(issuesOf(parseCreateJobRequest(job(diffusionStage({ width: ' 512' }))))).toContainEqual(
      expect.objectContaining({ field: 'stages[0].diffusion.width', rule: 'type' }),
    );
  });

  it('reads floats from numbers or numeric strings, never NaN or Infinity', () => {
    expect(valueOf(parseCreateJobRequest(job(diffusionStage({ cfgScale: '7.5' })))).stages[0].diffusion!.cfgScale).toBe(7.5);
    for (const bad of ['NaN', 'Infinity', '-Infinity', NaN, Infinity, '7,5', true]) {
      expect(issuesOf(parseCreateJobRequest(job(diffusionStage({ cfgScale: bad as never }))))).toContainEqual(
        expect.objectContaining({ field: 'stages[0].diffusion.cfgScale', rule: 'type' }),
      );
    }
  });

  it('reads enums from names or numbers in the order the spec lists them', () => {
    const stages: Json[] = [
      { type: 1, inputInitialize: {} },
      { type: 2, diffusion: diffusion({ controlnet: { args: [{ preprocessor: 'canny', model: 'cn', resizeMode: 3, controlMode: 2 }] } }) },
      { type: 3, imageToUpscaler: { hrUpscaler: 'Latent', hrScale: 2, denoisingStrength: 0.5 } },
      { type: 4, imageToAdetailer: { args: [{ adModel: 'face_yolov8n.pt' }] } },
      { type: 5, imageToInpaint: { maskImageResourceId: 'm', resizeMode: 4, inpaintingFill: 3 } },
      { type: 6, diffusion: diffusion({ animateDiff: { args: [{}] } }) },
    ];
    const req = valueOf(parseCreateJobRequest(job(...stages)));
    expect(req.stages.map((s) => s.type)).toEqual(['INPUT_INITIALIZE', 'DIFFUSION', 'IMAGE_TO_UPSCALER', 'IMAGE_TO_ADETAILER', 'IMAGE_TO_INPAINT', 'IMAGE_TO_ANIMATE_DIFF']);
    expect(req.stages[1].diffusion!.controlnet!.args[0]).toMatchObject({ resizeMode: 'RESIZE_AND_FILL', controlMode: 'MY_PROMPT_IS_MORE_IMPORTANT' });
    expect(req.stages[4].imageToInpaint).toMatchObject({ resizeMode: 'JUST_RESIZE_LATENT_UPSCALE', inpaintingFill: 'LATENT_NOISE' });
  });

  it('refuses unknown enum names and numbers', () => {
    expect(issuesOf(parseCreateJobRequest(job({ type: 7, diffusion: diffusion() })))).toContainEqual(expect.objectContaining({ field: 'stages[0].type', rule: 'enum' }));
    expect(issuesOf(parseCreateJobRequest(job({ type: 'diffusion', diffusion: diffusion() })))).toContainEqual(
      expect.objectContaining({ field: 'stages[0].type', rule: 'enum' }),
    );
    expect(issuesOf(parseCreateJobRequest(job(diffusionStage({ controlnet: { args: [{ preprocessor: 'c', model: 'm', controlMode: 9 }] } }))))).toContainEqual(
      expect.objectContaining({ field: 'stages[0].diffusion.controlnet.args[0].controlMode', rule: 'enum' }),
    );
  });

  it('treats null as absent, and "" as unset', () => {
    const req = valueOf(parseCreateJobRequest({ ...job(diffusionStage({ sdModel: null, steps: null, sampler: '' })), notifyUrl: null }));
    expect(req.notifyUrl).toBeUndefined();
    expect(req.stages[0].diffusion).not.toHaveProperty('sdModel');
    expect(req.stages[0].diffusion).not.toHaveProperty('sampler');
    expect(req.stages[0].diffusion!.steps).toBe(20);
    expect(issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), requestId: null }))).toEqual([{ field: 'requestId', rule: 'required', message: 'is required' }]);
    expect(issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), requestId: '' }))).toEqual([{ field: 'requestId', rule: 'required', message: 'is required' }]);
  });

  it('refuses null list items at their index', () => {
    expect(issuesOf(parseCreateJobRequest(job(diffusionStage({ prompts: [null] }))))).toContainEqual(
      expect.objectContaining({ field: 'stages[0].diffusion.prompts[0]', rule: 'type' }),
    );
  });

  it('needs a JSON object body', () => {
    for (const body of [null, undefined, 'text', 42, [], [job(diffusionStage())], true]) {
      expect(issuesOf(parseCreateJobRequest(body))).toEqual([{ field: '', rule: 'type', message: 'the body must be a JSON object' }]);
    }
    expect(issuesOf(parseCreateJobRequest({}))).toEqual([
      { field: 'requestId', rule: 'required', message: 'is required' },
      { field: 'stages', rule: 'required', message: 'is required' },
    ]);
  });

  it('applies the requestId, stage count and notifyUrl limits', () => {
    const ok = (extra: object) => parseCreateJobRequest({ ...job(diffusionStage()), ...extra }).ok;
    expect(ok({ requestId: 'a' })).toBe(true);
    expect(ok({ requestId: 'A-z_0.9:x' })).toBe(true);
    expect(ok({ requestId: 'x'.repeat(128) })).toBe(true);
    expect(issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), requestId: 'x'.repeat(129) }))).toContainEqual(
      expect.objectContaining({ field: 'requestId', rule: 'max_length' }),
    );
    expect(issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), requestId: 'has space' }))).toContainEqual(
      expect.objectContaining({ field: 'requestId', rule: 'format' }),
    );
    expect(issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), requestId: 12 }))).toContainEqual(expect.objectContaining({ field: 'requestId', rule: 'type' }));
    expect(issuesOf(parseCreateJobRequest(job()))).toContainEqual(expect.objectContaining({ field: 'stages', rule: 'min_items' }));
    const ten = [diffusionStage(), ...Array.from({ length: 9 }, () => upscalerStage())];
    expect(parseCreateJobRequest(job(...ten)).ok).toBe(true);
    expect(issuesOf(parseCreateJobRequest(job(...ten, upscalerStage())))).toEqual([{ field: 'stages', rule: 'max_items', message: 'must have at most 10 items' }]);
    expect(ok({ notifyUrl: 'http://hooks.example.com/x?y=1' })).toBe(true);
    expect(ok({ notifyUrl: `https://e.com/${'a'.repeat(2048 - 14)}` })).toBe(true);
    for (const [url, rule] of [
      ['ftp://e.com/x', 'url'],
      ['/relative', 'url'],
      ['not a url', 'url'],
      [`https://e.com/${'a'.repeat(2048)}`, 'max_length'],
    ] as const) {
      expect(issuesOf(parseCreateJobRequest({ ...job(diffusionStage()), notifyUrl: url }))).toContainEqual(expect.objectContaining({ field: 'notifyUrl', rule }));
    }
  });

  it('cuts an over-long list once instead of validating every item', () => {
    const huge = job(...Array.from({ length: 100_000 }, () => ({ type: 'DIFFUSION', nonsense: 1 })));
    const issues = issuesOf(parseCreateJobRequest(huge));
    expect(issues[0]).toEqual({ field: 'stages', rule: 'max_items', message: 'must have at most 10 items' });
    expect(issues.length).toBeLessThanOrEqual(100);
  });

  it('caps the issue list at 100', () => {
    const prompts = Array.from({ length: 150 }, () => ({ text: 1 }));
    expect(issuesOf(parseCreateJobRequest(job(diffusionStage({ prompts }))))).toHaveLength(100);
  });
});

describe('parseEstimateRequest', () => {
  it('takes {stages} with the same stage rules', () => {
    const value = valueOf(parseEstimateRequest({ stages: [diffusionStage({ steps: 0 })] }));
    expect(value.stages[0].diffusion!.steps).toBe(20);
    expect(issuesOf(parseEstimateRequest({ stages: [upscalerStage()] }))).toContainEqual(
      expect.objectContaining({ field: 'stages[0].imageToUpscaler.diffusion', rule: 'missing_diffusion' }),
    );
    expect(issuesOf(parseEstimateRequest(job(diffusionStage())))).toEqual([{ field: 'requestId', rule: 'unknown_field', message: 'unknown field "requestId"' }]);
  });
});
