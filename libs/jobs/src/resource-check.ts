import { CreateJobRequest, DomainError, FieldIssue, GrpcCode } from '@darkroom/contracts';
import type { PrismaClient } from '@darkroom/db';

/** Every uploaded image a job names, with its field path. */
export function resourceRefs(req: CreateJobRequest): Array<{ field: string; id: string }> {
  const refs: Array<{ field: string; id: string }> = [];
  req.stages.forEach((stage, i) => {
    if (stage.inputInitialize?.imageResourceId) refs.push({ field: `stages[${i}].inputInitialize.imageResourceId`, id: stage.inputInitialize.imageResourceId });
    if (stage.imageToInpaint?.maskImageResourceId) refs.push({ field: `stages[${i}].imageToInpaint.maskImageResourceId`, id: stage.imageToInpaint.maskImageResourceId });
    const diffusions: Array<[string, CreateJobRequest['stages'][number]['diffusion']]> = [
      [`stages[${i}].diffusion`, stage.diffusion],
      [`stages[${i}].imageToUpscaler.diffusion`, stage.imageToUpscaler?.diffusion],
      [`stages[${i}].imageToAdetailer.diffusion`, stage.imageToAdetailer?.diffusion],
      [`stages[${i}].imageToInpaint.diffusion`, stage.imageToInpaint?.diffusion],
    ];
    for (const [path, d] of diffusions) {
      d?.controlnet?.args?.forEach((unit, u) => {
        if (unit.inputImageResourceId) refs.push({ field: `${path}.controlnet.args[${u}].inputImageResourceId`, id: unit.inputImageResourceId });
        if (unit.maskResourceId) refs.push({ field: `${path}.controlnet.args[${u}].maskResourceId`, id: unit.maskResourceId });
      });
    }
  });
  return refs;
}

/** Uploaded images must be the tenant's own, uploaded, and not expired. Others' look like nothing. */
export async function assertResourcesUsable(prisma: PrismaClient, tenantId: string, req: CreateJobRequest): Promise<void> {
  const refs = resourceRefs(req);
  if (!refs.length) return;
  const rows = await prisma.resource.findMany({ where: { tenantId, id: { in: refs.map((r) => r.id) } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const issues: FieldIssue[] = [];
  for (const ref of refs) {
    const row = byId.get(ref.id);
    if (!row) issues.push({ field: ref.field, rule: 'unknown_resource', message: `no image resource "${ref.id}"` });
    else if (row.status !== 'READY') issues.push({ field: ref.field, rule: 'not_uploaded', message: `image resource "${ref.id}" has not been uploaded yet` });
    else if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) issues.push({ field: ref.field, rule: 'expired', message: `image resource "${ref.id}" has expired` });
  }
  if (!issues.length) return;
  const code = issues.some((i) => i.rule === 'unknown_resource') ? GrpcCode.NOT_FOUND : GrpcCode.FAILED_PRECONDITION;
  throw new DomainError(code, `${issues[0].field}: ${issues[0].message}`, issues);
}
