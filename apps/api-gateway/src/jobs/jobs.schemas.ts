import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const jobIdParams = z.object({ id: z.uuid({ error: 'must be a job id (UUID)' }) });

export const resultsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).openapi({ description: 'Return rows after this row number (keyset cursor).' }),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

const counts = z
  .object({
    total: z.number().int(),
    pending: z.number().int(),
    enriched: z.number().int(),
    notFound: z.number().int(),
    failed: z.number().int(),
    quarantined: z.number().int(),
  })
  .openapi('JobCounts');

export const jobResponse = z
  .object({
    id: z.uuid(),
    status: z.enum(['PENDING', 'STAGING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']),
    sourceName: z.string(),
    fields: z.array(z.string()),
    error: z.string().nullable(),
    workflowId: z.string().nullable(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable(),
    counts,
    progress: z.object({ phase: z.string(), nextRow: z.number().int(), pagesInFlight: z.number().int(), runs: z.number().int() }).partial().optional(),
    links: z.object({ self: z.string(), results: z.string() }),
  })
  .openapi('Job');

export const resultsResponse = z
  .object({
    items: z.array(
      z.object({
        rowNumber: z.number().int(),
        lineNumber: z.number().int(),
        status: z.enum(['PENDING', 'ENRICHED', 'NOT_FOUND', 'FAILED', 'QUARANTINED']),
        lastError: z.string().nullable(),
        input: z.record(z.string(), z.unknown()),
        fields: z.array(
          z.object({ field: z.string(), value: z.unknown(), provider: z.string(), confidence: z.number(), fetchedAt: z.iso.datetime() }),
        ),
      }),
    ),
    nextAfter: z.number().int().optional().openapi({ description: 'Pass as `after` for the next page; absent on the last page.' }),
  })
  .openapi('JobResults');

export const errorResponse = z
  .object({ error: z.string(), message: z.string(), line: z.number().int().optional(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() })
  .openapi('Error');
