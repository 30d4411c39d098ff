import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { columnMappingSchema, ENCODING_LABELS, encodingFromLabel, TEXT_ENCODINGS } from '@enrich/domain';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const jobIdParams = z.object({ id: z.uuid({ error: 'must be a job id (UUID)' }) });

export const resultsQuery = z.object({
  after: z.coerce.number().int().min(0).max(2_147_483_647).default(0).openapi({ description: 'Return rows after this row number (keyset cursor).' }),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

/** Optional tuning of a job's workflow, as query parameters or multipart fields of POST /v1/jobs. */
/** `mapping`: which header feeds which column, as JSON (`{"email":"E-Mail Addr"}`). */
const columnMappingParam = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object such as {"email":"E-Mail Addr"}' });
      return z.NEVER;
    }
  })
  .pipe(columnMappingSchema)
  .optional()
  .openapi({
    description: 'JSON object: canonical column → header name in the file, e.g. {"email":"E-Mail Addr"}. Unmapped columns are inferred from the headers.',
  });

/** `encoding`: the file's text encoding, when the caller knows it better than the detection. */
const encodingParam = z
  .string()
  .transform((label, ctx) => {
    const encoding = encodingFromLabel(label);
    if (encoding) return encoding;
    ctx.addIssue({ code: 'custom', message: `unknown encoding "${label}"; use one of ${ENCODING_LABELS.join(', ')}` });
    return z.NEVER;
  })
  .optional()
  .openapi({
    description:
      'Text encoding of the file: utf-8, utf-16le, utf-16be, windows-1252 (also latin1, iso-8859-1). A raw upload may give it as the charset of its ' +
      'Content-Type instead. Unnamed, it is detected: a byte order mark, else UTF-8 when every byte is valid UTF-8, else Windows-1252 when the file ' +
      'has no multi-byte UTF-8 character at all; a UTF-8 file with bad bytes is refused with a 400 naming the first bad line. A byte order mark wins over the name.',
  });

export const submitTuning = z.object({
  mapping: columnMappingParam,
  encoding: encodingParam,
  pageSize: z.coerce.number().int().min(1).max(1_000).optional().openapi({ description: 'Rows per page activity (default 100).' }),
  windowSize: z.coerce.number().int().min(1).max(32).optional().openapi({ description: 'Page activities in flight at once (default 4).' }),
  maxCredits: z.coerce.number().positive().max(1e12).optional().openapi({
    description:
      "Credits the job may spend at its vendors (each vendor's configured cost, from the calls made). Once spent, no new page starts and the job waits in phase `budget_exhausted` (progress.credits says what the rest would take) until resumed with a higher budget.",
  }),
  start: z.stringbool().default(true).openapi({
    description:
      '`false`: create the job now and start it later with POST /v1/jobs/{id}/start. Its file is read and sealed at once (the upload is not kept), but no row is enriched before the start.',
  }),
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

const JOB_STATUSES = ['PENDING', 'STAGING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;

export const jobResponse = z
  .object({
    id: z.uuid(),
    status: z.enum(JOB_STATUSES),
    sourceName: z.string(),
    erid: z.string().nullable().openapi({ description: 'The erid whose contacts this job holds (a push request), or null for a CSV job.' }),
    encoding: z.enum(TEXT_ENCODINGS).openapi({ description: 'The text encoding the file was read in (named or detected at upload).' }),
    fields: z.array(z.string()),
    error: z.string().nullable(),
    workflowId: z.string().nullable(),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable(),
    counts,
    progress: z
      .object({
        done: z.number().int().openapi({ description: 'Rows in a final status, quarantined ones included.' }),
        total: z.number().int(),
        percent: z.number().min(0).max(100),
        rowsPerSecond: z.number().min(0).openapi({ description: 'Rows answered per second since enrichment started (an average, pauses included).' }),
        etaSeconds: z.number().int().nullable().openapi({ description: 'Seconds until done at that rate; null while unknown or paused.' }),
        paused: z.boolean().openapi({ description: 'Paused by request: the status stays RUNNING, no new page starts.' }),
        phase: z.string().openapi({
          description:
            '`pending`, `staging`, `enriching`, `researching`, `budget_exhausted` (its maxCredits are spent: paused until resumed with more), `finishing`, `cancelling` (the job stops its pages at a row boundary before it is marked cancelled), or the final status in lower case.',
        }),
        credits: z
          .object({
            max: z.number(),
            spent: z.number().openapi({ description: 'From the pages finished so far.' }),
            toFinish: z.number().optional().openapi({ description: 'What the rows not done yet would take at the credits per row so far.' }),
          })
          .optional()
          .openapi('CreditBudget', { description: 'Live, for a job created with maxCredits.' }),
        retrying: z
          .array(
            z
              .object({
                activity: z.string().openapi({ description: '`enrichPage`, `stageJob`, …' }),
                attempt: z.number().int().openapi({ description: 'The attempt about to run (2 = first retry).' }),
                reason: z.string().openapi({ description: "The last attempt's failure, e.g. `3 row(s) … are still pending: pdl: out of credits (402 …)`." }),
                type: z.string().optional().openapi({ description: '`ProviderUnavailable`, `ProviderOutOfCredits`, …' }),
                nextAttemptAt: z.iso.datetime().optional(),
              })
              .openapi('ActivityRetry'),
          )
          .optional()
          .openapi({ description: 'Live: activities of the job waiting for another attempt, and why (a vendor down, out of credits, rate limited).' }),
        nextRow: z.number().int().optional().openapi({ description: 'Live from the workflow while it runs: first row not yet handed to a page.' }),
        pagesInFlight: z.number().int().optional(),
        runs: z.number().int().optional().openapi({ description: 'Workflow runs so far (continue-as-new).' }),
        awaitingStart: z.boolean().optional().openapi({ description: 'Created with start=false and not started yet: POST /v1/jobs/{id}/start.' }),
        lookups: z
          .object({
            cacheHits: z.number().int(),
            providerCalls: z.number().int(),
            sharedCalls: z.number().int(),
            vendors: z
              .record(
                z.string(),
                z
                  .object({
                    calls: z.number().int().openapi({ description: 'Requests sent, retries included.' }),
                    matches: z.number().int().openapi({ description: 'Answers with a record.' }),
                    credits: z.number().openapi({ description: "Credits spent at the vendor's configured cost (per answered call, per match)." }),
                  })
                  .openapi('VendorUsage'),
              )
              .optional()
              .openapi({ description: 'Per vendor, from the calls actually made (absent for jobs ended before vendors were counted).' }),
          })
          .optional()
          .openapi({
            description:
              'Live while the job runs, then as recorded when it ended: lookups of finished pages served from the lookup cache, provider calls paid for, and lookups that shared a call made for the same contact (duplicates in the file).',
          }),
      })
      .openapi('JobProgress'),
    links: z.object({ self: z.string(), results: z.string(), resultsCsv: z.string() }),
  })
  .openapi('Job');

/** Options of the CSV export. */
export const exportQuery = z.object({
  formulas: z.enum(['neutralise', 'keep']).default('neutralise').openapi({
    description:
      '`neutralise` (default): a cell starting with =, +, -, @, tab or CR gets a leading \' so a spreadsheet shows it instead of running it (OWASP "CSV injection"). `keep`: cells exactly as they are.',
  }),
  bom: z.stringbool().default(false).openapi({ description: 'Start the file with a UTF-8 byte order mark (spreadsheet programs read the encoding from it).' }),
});

export const resultsResponse = z
  .object({
    columns: z.array(z.string()).openapi({ description: "The file's header row as written: what each item's `cells` line up with." }),
    items: z.array(
      z.object({
        rowNumber: z.number().int(),
        lineNumber: z.number().int(),
        status: z.enum(['PENDING', 'ENRICHED', 'NOT_FOUND', 'FAILED', 'QUARANTINED']),
        lastError: z.string().nullable(),
        input: z.record(z.string(), z.unknown()).openapi({ description: 'The columns the platform uses, validated and normalised (opened for the owner).' }),
        cells: z
          .array(z.string())
          .nullable()
          .openapi({ description: 'Every cell of the record exactly as written, in file order; null for rows staged before cells were kept.' }),
        fields: z.array(z.object({ field: z.string(), value: z.unknown(), provider: z.string(), confidence: z.number(), fetchedAt: z.iso.datetime() })),
      }),
    ),
    nextAfter: z.number().int().optional().openapi({ description: 'Pass as `after` for the next page; absent on the last page.' }),
    redacted: z.literal(true).optional().openapi({
      description: 'Present when the credential lacks the pii scope: personal values read "[redacted]" and `cells` are null.',
    }),
  })
  .openapi('JobResults');

/** Filters and keyset page of GET /v1/jobs. */
export const jobListQuery = z.object({
  status: z
    .string()
    .transform((text) => text.split(',').map((status) => status.trim().toUpperCase()))
    .pipe(z.array(z.enum(JOB_STATUSES, { error: `must be a comma-separated list of ${JOB_STATUSES.join(', ')}` })))
    .optional()
    .openapi({ description: `Only jobs in these statuses (comma-separated: ${JOB_STATUSES.join(', ')}).`, example: 'RUNNING,PENDING' }),
  createdFrom: z.iso
    .datetime({ offset: true })
    .transform((text) => new Date(text))
    .optional()
    .openapi({ description: 'Only jobs created at or after this instant.' }),
  createdTo: z.iso
    .datetime({ offset: true })
    .transform((text) => new Date(text))
    .optional()
    .openapi({ description: 'Only jobs created before this instant.' }),
  cursor: z.string().max(200).optional().openapi({ description: 'The `next` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const jobListResponse = z
  .object({
    items: z.array(jobResponse),
    next: z.string().optional().openapi({ description: 'Pass as `cursor` for the next page; absent on the last page.' }),
  })
  .openapi('JobList');

export const errorResponse = z
  .object({
    error: z.string(),
    message: z.string(),
    line: z.number().int().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Error');

/** Body of POST /v1/jobs/{id}/resume (optional): a job that spent its credits resumes only with more. */
export const resumeBody = z
  .object({
    maxCredits: z.number().positive().max(1e12).optional().openapi({ description: 'A new credit budget, above what the job has spent.' }),
  })
  .strict()
  .openapi('ResumeJob');
