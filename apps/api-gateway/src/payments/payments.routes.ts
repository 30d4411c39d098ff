import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { PAYMENT_EVENT_TYPES, paymentEventSchema, QUARANTINE_KINDS } from '@enrich/domain';
import { callerOf } from '@enrich/http';
import type { Request } from 'express';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import { errorResponse } from '../jobs/jobs.schemas';
import type { ApiRoute } from '../routes';
import type { PaymentsService } from './payments.service';

extendZodWithOpenApi(z);

const QUARANTINE_STATUSES = ['QUARANTINED', 'RELEASED', 'DISCARDED'] as const;
const REVIEW_STATUSES = ['QUARANTINED', 'RELEASING', 'RELEASED', 'DISCARDED'] as const;

const entryParams = z.object({ id: z.uuid({ error: 'must be a quarantine entry id (UUID)' }) });
const eventParams = z.object({ eventId: paymentEventSchema.shape.eventId });

const quarantineQuery = z.object({
  status: z
    .enum(QUARANTINE_STATUSES, { error: `must be one of ${QUARANTINE_STATUSES.join(', ')}` })
    .optional()
    .openapi({ description: 'Only entries in this status (QUARANTINED: awaiting a decision).' }),
  kind: z
    .enum(QUARANTINE_KINDS, { error: `must be one of ${QUARANTINE_KINDS.join(', ')}` })
    .optional()
    .openapi({
      description: 'Only entries set aside for this reason: schema (unreadable), rules (a broken business rule), processing (steps out of retries).',
    }),
  cursor: z.string().max(200).optional().openapi({ description: 'The `next` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const note = z.string().trim().max(2_000).optional().openapi({
  description: 'Why, for the record (stored with the decision; digit runs that may be card numbers are masked to BIN…last four).',
});
// `event` is checked by the event schema on its own, so that a bad event is a 422 naming its fields.
const releaseBody = z.object({ event: z.unknown().optional(), note }).strict();
const releaseBodyDoc = z.object({
  event: paymentEventSchema.optional().openapi({
    description:
      'The corrected event, as JSON as on the payments.normalized topic (card number in the clear: it is sealed at once, only its BIN and last four stay open). Needed to release a message that could not be read as an event; its eventId must be the quarantined one when the entry has one. Without it, the quarantined event is re-run as it is.',
  }),
  note,
});
const discardBody = z.object({ note }).strict();

const source = z.object({ topic: z.string(), partition: z.number().int(), offset: z.string().openapi({ description: 'Decimal (64-bit).' }) });

const entryResponse = z
  .object({
    id: z.uuid(),
    eventId: z.string().nullable().openapi({ description: 'The event id, when one could be read.' }),
    kind: z.enum(QUARANTINE_KINDS),
    reason: z.string().openapi({ description: 'What is wrong, naming fields, never quoting values.' }),
    status: z.enum(QUARANTINE_STATUSES),
    source,
    reviewWorkflowId: z.string(),
    decisionNote: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .openapi('QuarantinedPaymentEvent');

const reviewState = z
  .object({
    quarantineId: z.uuid().nullable(),
    status: z.enum(REVIEW_STATUSES).openapi({ description: 'RELEASING while a release re-runs the event.' }),
    kind: z.enum(QUARANTINE_KINDS),
    reason: z.string(),
    releases: z.number().int().openapi({ description: 'Re-runs so far (a release that fails again keeps the entry quarantined, with the new reason).' }),
  })
  .openapi('PaymentReviewState');

const card = z.object({
  bin: z.string().openapi({ description: 'First six digits.' }),
  last4: z.string(),
  country: z.string(),
});

const openEvent = z
  .object({
    eventId: z.string(),
    type: z.enum(PAYMENT_EVENT_TYPES),
    occurredAt: z.string(),
    customerId: z.string(),
    email: z.string().nullable().openapi({ description: 'Opened for the pii scope; "[redacted]" without it; null when the event has none.' }),
    amount: z.number().int().openapi({ description: 'Minor units.' }),
    currency: z.string(),
    card: card.openapi({ description: 'Never the card number.' }),
    billingCountry: z.string(),
    declineCode: z.string().nullable(),
    merchantId: z.string().nullable(),
  })
  .openapi('PaymentEventOpenParts');

const entryDetails = entryResponse
  .extend({
    review: reviewState.nullable().openapi({ description: "The review workflow's live state; null when it does not answer." }),
    payload: z.enum(['event', 'message']).openapi({ description: 'What was set aside: an event, or a message that could not be read as one.' }),
    event: openEvent.optional(),
    message: z.string().optional().openapi({
      description:
        'The unreadable message as read, for the pii scope only ("[redacted]" without it), every run of 12 or more digits masked to its first six digits, "…" and its last four.',
    }),
    redacted: z.literal(true).optional().openapi({ description: 'A personal value was withheld (no pii scope).' }),
  })
  .openapi('QuarantinedPaymentEventDetails');

const decisionResponse = z
  .object({
    id: z.uuid(),
    reviewWorkflowId: z.string(),
    action: z.enum(['release', 'discard']),
    review: reviewState,
  })
  .openapi('PaymentReviewDecision');

const storedEvent = openEvent
  .extend({
    receivedAt: z.string(),
    storedAt: z.string(),
    source,
    scores: z.object({
      fraud: z
        .object({ score: z.number(), model: z.string().nullable(), reasons: z.array(z.string()) })
        .nullable()
        .openapi({ description: 'A successful payment’s fraud score (model `name@version`).' }),
      retry: z
        .object({ action: z.string(), retryAfterHours: z.number().nullable(), successProbability: z.number().nullable(), model: z.string().nullable() })
        .nullable()
        .openapi({ description: 'A failed payment’s retry strategy.' }),
      churn: z.object({ probability: z.number(), model: z.string() }),
    }),
    redacted: z.literal(true).optional(),
  })
  .openapi('StoredPaymentEvent');

const error = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });
const personal = (req: Request) => callerOf<Principal>(req).scopes.has('pii');

const DESK =
  'Payment events belong to no tenant: the quarantine is the platform operators’ desk, open to the admin keys of the operators’ tenant (PAYMENTS_OPERATOR_TENANT; 403 for any other tenant). Card numbers never leave in the clear.';

/**
 * The quarantine of payment events (unreadable, breaking a business rule, or out of retries), for
 * admin credentials: its entries with their review's live state, release (the event as it was, or
 * corrected) and discard through the review workflows; and the stored events with their scores.
 */
export function paymentsRoutes(service: PaymentsService): ApiRoute[] {
  return [
    {
      method: 'get',
      path: '/payment-events/quarantine',
      scopes: ['admin'],
      handler: async (req, res) => {
        service.assertOperator(callerOf<Principal>(req).tenant.slug);
        const page = await service.list(quarantineQuery.parse(req.query));
        res.json(page);
      },
      doc: {
        summary: 'Quarantined payment events, newest first (keyset pagination), by status and kind',
        description: DESK,
        request: { query: quarantineQuery },
        responses: {
          200: {
            description: 'A page of entries',
            content: {
              'application/json': {
                schema: z.object({
                  items: z.array(entryResponse),
                  next: z.string().optional().openapi({ description: 'Pass as `cursor` for the next page; absent on the last page.' }),
                }),
              },
            },
          },
          400: error('Bad status, kind, cursor or limit (named in `issues`)'),
        },
      },
    },
    {
      method: 'get',
      path: '/payment-events/quarantine/:id',
      scopes: ['admin'],
      handler: async (req, res) => {
        service.assertOperator(callerOf<Principal>(req).tenant.slug);
        const { id } = entryParams.parse(req.params);
        res.json(await service.get(id, { personal: personal(req) }));
      },
      doc: {
        summary: "A quarantined payment event with its review's live state and what it holds",
        description: `${DESK} An event shows its open parts (BIN and last four, amount, currency, type, customer, ...); an unreadable message is shown to the pii scope only, with every digit run that may be a card number masked.`,
        request: { params: entryParams },
        responses: {
          200: { description: 'The entry', content: { 'application/json': { schema: entryDetails } } },
          404: error('Unknown entry'),
        },
      },
    },
    {
      method: 'post',
      path: '/payment-events/quarantine/:id/release',
      scopes: ['admin'],
      handler: async (req, res) => {
        service.assertOperator(callerOf<Principal>(req).tenant.slug);
        const { id } = entryParams.parse(req.params);
        const body = releaseBody.parse(req.body ?? {});
        const answer = await service.release(id, body);
        req.log.info({ quarantineId: id, reviewWorkflowId: answer.reviewWorkflowId, corrected: body.event !== undefined }, 'payment event released');
        res.status(202).json(answer);
      },
      doc: {
        summary: 'Release a quarantined payment event: its review re-runs it (as it was, or corrected) and stores it',
        description: `${DESK} Accepted: the entry turns RELEASED once the event is stored; a re-run that fails again leaves it QUARANTINED with the new reason.`,
        request: { params: entryParams, body: { content: { 'application/json': { schema: releaseBodyDoc } } } },
        responses: {
          202: { description: 'The decision was taken: the review as it stood', content: { 'application/json': { schema: decisionResponse } } },
          404: error('Unknown entry'),
          409: error(
            'The review refused the decision (decided already, a re-run under way, or an unreadable message released without a corrected event), or a request with the same Idempotency-Key is still being handled',
          ),
          422: error(
            'The corrected event is not a valid payment event, or not the quarantined one (`issues` name the fields); or the Idempotency-Key was used for another request',
          ),
        },
      },
    },
    {
      method: 'post',
      path: '/payment-events/quarantine/:id/discard',
      scopes: ['admin'],
      handler: async (req, res) => {
        service.assertOperator(callerOf<Principal>(req).tenant.slug);
        const { id } = entryParams.parse(req.params);
        const answer = await service.discard(id, discardBody.parse(req.body ?? {}));
        req.log.info({ quarantineId: id, reviewWorkflowId: answer.reviewWorkflowId }, 'payment event discarded');
        res.json(answer);
      },
      doc: {
        summary: 'Discard a quarantined payment event: its review ends DISCARDED, the event unstored',
        description: DESK,
        request: { params: entryParams, body: { content: { 'application/json': { schema: discardBody } } } },
        responses: {
          200: { description: 'The review, DISCARDED once it has recorded the decision', content: { 'application/json': { schema: decisionResponse } } },
          404: error('Unknown entry'),
          409: error(
            'The review refused the decision (decided already, or a re-run under way), or a request with the same Idempotency-Key is still being handled',
          ),
        },
      },
    },
    {
      method: 'get',
      path: '/payment-events/:eventId',
      scopes: ['admin'],
      handler: async (req, res) => {
        service.assertOperator(callerOf<Principal>(req).tenant.slug);
        const { eventId } = eventParams.parse(req.params);
        res.json(await service.storedEvent(eventId, { personal: personal(req) }));
      },
      doc: {
        summary: 'A stored payment event with its scores and the models that made them',
        description: `${DESK} The email is opened for the pii scope only.`,
        request: { params: eventParams },
        responses: {
          200: { description: 'The event', content: { 'application/json': { schema: storedEvent } } },
          404: error('No stored event has this id'),
        },
      },
    },
  ];
}
