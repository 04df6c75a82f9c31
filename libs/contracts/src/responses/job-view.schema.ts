import { z } from 'zod';

/** 64-bit integers are written as decimal strings (protobuf JSON). */
const int64String = () => z.string().regex(/^-?\d+$/).describe('64-bit integer as a decimal string');

export const JOB_STATUSES = ['DEFAULT', 'CREATED', 'PENDING', 'RUNNING', 'CANCELED', 'SUCCESS', 'FAILED', 'WAITING'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FAILURE_CODES = ['DEFAULT', 'TRANSITORY_ERROR', 'FATAL_ERROR'] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];
export const WORKFLOW_STATUSES = ['DEFAULT', 'INIT', 'RUNNING', 'SUCCESS', 'FAILED'] as const;

export const resourceImageSchema = z.object({
  id: z.string(),
  url: z.string().describe('signed URL; stops working at expiredIn'),
  expiredIn: int64String().describe('unix seconds when url expires'),
  meta: z.object({
    image: z.object({
      format: z.string(),
      width: z.int(),
      height: z.int(),
      frames: z.int().optional().describe('videos: number of frames'),
    }),
    seed: int64String().optional().describe('the seed actually used'),
  }),
});
export type ResourceImageView = z.output<typeof resourceImageSchema>;

export const processingImageSchema = z.object({
  resourceImage: resourceImageSchema.optional().describe('preview, where available'),
  progress: z.number().min(0).max(100),
});
export type ProcessingImageView = z.output<typeof processingImageSchema>;

export const workflowFinishItemSchema = z.object({
  status: z.enum(WORKFLOW_STATUSES),
  progress: z.number().optional(),
  step: z.int().optional(),
  id: z.string().optional(),
  ctime: int64String().optional(),
  mtime: int64String().optional(),
  nodes: z
    .record(
      z.string(),
      z.object({
        id: z.string(),
        status: z.enum(WORKFLOW_STATUSES),
        process: z.number().optional(),
        outputUi: z
          .object({
            type: z.string().optional(),
            images: z.array(
              z.object({
                filename: z.string(),
                type: z.string(),
                height: z.int(),
                width: z.int(),
                format: z.string(),
                imageResourceId: z.string(),
              }),
            ),
          })
          .optional(),
      }),
    )
    .optional(),
  finishedNodes: z.record(z.string(), z.boolean()).optional(),
});

export const jobViewSchema = z.object({
  id: z.string().describe('job id (uint64 as a decimal string)'),
  status: z.enum(JOB_STATUSES),
  credits: z.number().describe('fixed at creation; failed and canceled jobs cost nothing'),
  waitingInfo: z
    .object({
      queueRank: int64String().describe("1-based position among the jobs that run before it on its queue"),
      queueLen: int64String(),
    })
    .optional(),
  runningInfo: z
    .object({
      processingImages: z.array(processingImageSchema),
      stages: z.array(z.object({ stageIndex: z.int(), processingImages: z.array(processingImageSchema) })).describe('for older clients'),
      workflowFinishItem: workflowFinishItemSchema.optional(),
    })
    .optional(),
  successInfo: z
    .object({
      images: z.array(resourceImageSchema),
      videos: z.array(resourceImageSchema),
      stages: z
        .array(z.object({ stageIndex: z.int(), images: z.array(resourceImageSchema), videos: z.array(resourceImageSchema) }))
        .describe('for older clients'),
      workflowFinishItem: workflowFinishItemSchema.optional(),
    })
    .optional(),
  failedInfo: z
    .object({
      reason: z.string(),
      code: z.enum(FAILURE_CODES).describe('TRANSITORY_ERROR: safe to retry'),
    })
    .optional(),
});
export type JobView = z.output<typeof jobViewSchema>;

export const createJobResponseSchema = z.object({ job: jobViewSchema });
export const getJobResponseSchema = z.object({ job: jobViewSchema });
export const cancelJobResponseSchema = z.object({ jobId: z.string() });
export const estimateResponseSchema = z.object({ credits: z.number() });
export type CreateJobResponse = z.output<typeof createJobResponseSchema>;
export type GetJobResponse = z.output<typeof getJobResponseSchema>;
export type CancelJobResponse = z.output<typeof cancelJobResponseSchema>;
export type EstimateResponse = z.output<typeof estimateResponseSchema>;
