import { z } from 'zod';
import { WEB_FIELDS } from './company-web';
import { findField, htmlText } from './html-fields';
import { confidenceIn, defineOperation } from './provider';

/** Confidence ranges by evidence: a marked-up fact is near certain, a pattern in the text a guess. */
export const EXTRACT_CONFIDENCE = { markup: [0.8, 0.98], text: [0.5, 0.59] } as const;

/** `POST /v1/providers/extract/fields` body. */
export const extractRequestSchema = z.object({
  html: z.string().min(1).max(900_000).meta({ description: 'The page, e.g. a crawl answer’s html.' }),
  fields: z
    .array(z.enum(WEB_FIELDS))
    .min(1)
    .max(WEB_FIELDS.length * 2)
    .meta({ description: 'Fields to look for; answered once each, in the order asked.', example: ['founded_year', 'headcount'] }),
});

export type ExtractRequest = z.output<typeof extractRequestSchema>;

export const extractedFieldSchema = z
  .object({
    field: z.enum(WEB_FIELDS),
    value: z.union([z.string(), z.number().int(), z.null()]).meta({ description: 'Numbers for headcount and founded_year; null when not found.' }),
    confidence: z.number().min(0).max(1).meta({ description: '0 when not found; 0.8–0.98 for marked-up facts, 0.5–0.59 for guesses from the text.' }),
  })
  .meta({ id: 'ExtractedField' });

export const extractBodySchema = z.object({ fields: z.array(extractedFieldSchema) });

/** Extracts company fields from an HTML page with a confidence each. */
export const extractProvider = defineOperation({
  name: 'extract',
  label: 'mock-extract',
  operation: 'fields',
  schemaName: 'Extract',
  summary: 'Extracts company fields from HTML, each with a confidence (0 and null when absent).',
  requestSchema: extractRequestSchema,
  bodySchema: extractBodySchema,
  // The page alone: which other fields are asked for never changes one field's answer.
  recordKey: (request) => request.html,
  answer(request, hash) {
    const text = htmlText(request.html);
    return {
      fields: [...new Set(request.fields)].map((field) => {
        const found = findField(request.html, field, text);
        if (found === undefined) return { field, value: null, confidence: 0 };
        const [low, high] = EXTRACT_CONFIDENCE[found.evidence];
        return { field, value: found.value, confidence: confidenceIn(hash, `confidence:${field}`, low, high) };
      }),
    };
  },
});
