import { randomUUID } from 'node:crypto';
import type { PaymentInference, QuarantineKind, Sealed, SealedPaymentEvent, StreamPosition } from '@enrich/domain';
import type { Pool } from 'pg';
import { sqlPool, type PrismaClient } from './prisma-client';

/** What the scoring models know of a customer from the events stored before one of theirs. */
export interface CustomerPaymentHistory {
  eventsLastHour: number;
  eventsLast30Days: number;
  failuresLast30Days: number;
  /** When the customer's first stored event occurred; null for a first payment. */
  firstSeenAt: Date | null;
}

/** A payment event as stored (the card number and email stay sealed). */
export interface StoredPaymentEvent {
  eventId: string;
  type: string;
  customerId: string;
  amount: number;
  currency: string;
  cardBin: string;
  cardLast4: string;
  cardNumber: Sealed<string>;
  email: Sealed<string> | null;
  fraudScore: number | null;
  fraudModel: string | null;
  retryAction: string | null;
  retryModel: string | null;
  churnProbability: number;
  churnModel: string;
  source: StreamPosition;
  occurredAt: Date;
  receivedAt: Date;
  createdAt: Date;
}

/** A quarantined payment event (its payload stays sealed). */
export interface QuarantinedPaymentEvent {
  id: string;
  quarantineKey: string;
  eventId: string | null;
  kind: QuarantineKind;
  reason: string;
  status: 'QUARANTINED' | 'RELEASED' | 'DISCARDED';
  source: StreamPosition;
  reviewWorkflowId: string;
  decisionNote: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

/** A page request of {@link PaymentEventRepository.listQuarantined}: newest first, after a keyset position. */
export interface QuarantineListQuery {
  status?: QuarantinedPaymentEvent['status'];
  kind?: QuarantineKind;
  limit: number;
  /** The last entry of the previous page (its creation time and id): the page starts after it. */
  after?: { createdAt: Date; id: string };
}

/** A stored event with what {@link StoredPaymentEvent} leaves out: the card's country, the decline, the merchant and the scores' details. */
export interface StoredPaymentEventDetails extends StoredPaymentEvent {
  cardCountry: string;
  billingCountry: string;
  declineCode: string | null;
  merchantId: string | null;
  fraudReasons: string[];
  retryAfterHours: number | null;
  retrySuccessProbability: number | null;
}

/** What a quarantine holds: why, where from, and the event or message (sealed). */
export interface NewQuarantine {
  quarantineKey: string;
  eventId?: string;
  kind: QuarantineKind;
  reason: string;
  payload: Sealed<string> | SealedPaymentEvent;
  source: StreamPosition;
  reviewWorkflowId: string;
}

interface QuarantineRow {
  id: string;
  quarantine_key: string;
  event_id: string | null;
  kind: QuarantineKind;
  reason: string;
  status: QuarantinedPaymentEvent['status'];
  source_topic: string;
  source_partition: number;
  source_offset: string;
  review_workflow_id: string;
  decision_note: string | null;
  created_at: Date;
  decided_at: Date | null;
}

const fromQuarantineRow = (row: QuarantineRow): QuarantinedPaymentEvent => ({
  id: row.id,
  quarantineKey: row.quarantine_key,
  eventId: row.event_id,
  kind: row.kind,
  reason: row.reason,
  status: row.status,
  source: { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset },
  reviewWorkflowId: row.review_workflow_id,
  decisionNote: row.decision_note,
  createdAt: row.created_at,
  decidedAt: row.decided_at,
});

const modelLabel = (model: { name: string; version: string } | undefined) => (model ? `${model.name}@${model.version}` : null);

/**
 * `payment_events` and `payment_events_quarantine`. Every write is keyed (the event id; the
 * quarantine key), so a write repeated by a retried activity, a redelivered event or a replayed
 * topic changes nothing.
 */
export class PaymentEventRepository {
  private readonly pool: Pool;

  constructor(prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  /** Stores a scored event once: false when its id is stored already (nothing is changed then). */
  async insert(event: SealedPaymentEvent, inference: PaymentInference, receivedAt: Date): Promise<boolean> {
    const { fraud, retry, churn } = inference;
    const result = await this.pool.query(
      `INSERT INTO payment_events (event_id, type, occurred_at, received_at, customer_id, email, amount, currency,
         card_number, card_bin, card_last4, card_country, billing_country, decline_code, merchant_id,
         fraud_score, fraud_model, fraud_reasons, retry_action, retry_after_hours, retry_success_probability, retry_model,
         churn_probability, churn_model, source_topic, source_partition, source_offset)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        event.eventId,
        event.type,
        event.occurredAt,
        receivedAt,
        event.customerId,
        event.email === undefined ? null : JSON.stringify(event.email),
        event.amount,
        event.currency,
        JSON.stringify(event.card.number),
        event.card.bin,
        event.card.last4,
        event.card.country,
        event.billingCountry,
        event.declineCode ?? null,
        event.merchantId ?? null,
        fraud?.score ?? null,
        modelLabel(fraud?.model),
        fraud?.reasons ?? [],
        retry?.action ?? null,
        retry?.retryAfterHours ?? null,
        retry?.successProbability ?? null,
        modelLabel(retry?.model),
        churn.probability,
        modelLabel(churn.model),
        event.source.topic,
        event.source.partition,
        event.source.offset,
      ],
    );
    return result.rowCount === 1;
  }

  /** The customer's stored events before `before` (this event excluded): the models' history features. */
  async customerHistory(customerId: string, before: Date, excludeEventId: string): Promise<CustomerPaymentHistory> {
    const { rows } = await this.pool.query<{ last_hour: string; last_30: string; failures_30: string; first_seen: Date | null }>(
      `SELECT count(*) FILTER (WHERE occurred_at >= $2::timestamptz - interval '1 hour') AS last_hour,
              count(*) FILTER (WHERE occurred_at >= $2::timestamptz - interval '30 days') AS last_30,
              count(*) FILTER (WHERE occurred_at >= $2::timestamptz - interval '30 days' AND type = 'payment.failed') AS failures_30,
              min(occurred_at) AS first_seen
         FROM payment_events
        WHERE customer_id = $1 AND occurred_at < $2 AND event_id <> $3`,
      [customerId, before, excludeEventId],
    );
    const row = rows[0];
    return {
      eventsLastHour: Number(row?.last_hour ?? 0),
      eventsLast30Days: Number(row?.last_30 ?? 0),
      failuresLast30Days: Number(row?.failures_30 ?? 0),
      firstSeenAt: row?.first_seen ?? null,
    };
  }

  /** One stored event, or undefined. */
  async find(eventId: string): Promise<StoredPaymentEvent | undefined> {
    const { rows } = await this.pool.query(
      `SELECT event_id, type, customer_id, amount, currency, card_bin, card_last4, card_number, email, fraud_score, fraud_model,
              retry_action, retry_model, churn_probability, churn_model, source_topic, source_partition, source_offset::text,
              occurred_at, received_at, created_at
         FROM payment_events WHERE event_id = $1`,
      [eventId],
    );
    const row = rows[0] as Record<string, unknown> | undefined;
    if (!row) return undefined;
    return {
      eventId: row['event_id'] as string,
      type: row['type'] as string,
      customerId: row['customer_id'] as string,
      amount: Number(row['amount']),
      currency: row['currency'] as string,
      cardBin: row['card_bin'] as string,
      cardLast4: row['card_last4'] as string,
      cardNumber: row['card_number'] as Sealed<string>,
      email: (row['email'] as Sealed<string> | null) ?? null,
      fraudScore: row['fraud_score'] as number | null,
      fraudModel: row['fraud_model'] as string | null,
      retryAction: row['retry_action'] as string | null,
      retryModel: row['retry_model'] as string | null,
      churnProbability: row['churn_probability'] as number,
      churnModel: row['churn_model'] as string,
      source: { topic: row['source_topic'] as string, partition: row['source_partition'] as number, offset: row['source_offset'] as string },
      occurredAt: row['occurred_at'] as Date,
      receivedAt: row['received_at'] as Date,
      createdAt: row['created_at'] as Date,
    };
  }

  /**
   * Sets an event aside once per quarantine key: the row's id, whether this call made it or an
   * earlier one did (a retried activity, a redelivered message).
   */
  async quarantine(entry: NewQuarantine): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `WITH inserted AS (
         INSERT INTO payment_events_quarantine (id, quarantine_key, event_id, kind, reason, payload, source_topic, source_partition, source_offset, review_workflow_id)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
         ON CONFLICT (quarantine_key) DO NOTHING RETURNING id)
       SELECT id FROM inserted UNION ALL SELECT id FROM payment_events_quarantine WHERE quarantine_key = $2 LIMIT 1`,
      [
        randomUUID(),
        entry.quarantineKey,
        entry.eventId ?? null,
        entry.kind,
        entry.reason,
        JSON.stringify(entry.payload),
        entry.source.topic,
        entry.source.partition,
        entry.source.offset,
        entry.reviewWorkflowId,
      ],
    );
    const id = rows[0]?.id;
    if (id === undefined) throw new Error(`quarantine ${entry.quarantineKey} was neither inserted nor found`);
    return id;
  }

  /** Records a reviewer's decision, or a re-run that failed again (status QUARANTINED with its new reason). */
  async decide(id: string, decision: { status: QuarantinedPaymentEvent['status']; note?: string; reason?: string }): Promise<void> {
    await this.pool.query(
      `UPDATE payment_events_quarantine
          SET status = $2, decision_note = COALESCE($3, decision_note), reason = COALESCE($4, reason),
              decided_at = CASE WHEN $2 = 'QUARANTINED' THEN NULL ELSE now() END
        WHERE id = $1`,
      [id, decision.status, decision.note ?? null, decision.reason ?? null],
    );
  }

  /** One quarantined event by id, or undefined. */
  async findQuarantined(id: string): Promise<QuarantinedPaymentEvent | undefined> {
    const { rows } = await this.pool.query<QuarantineRow>(
      `SELECT id, quarantine_key, event_id, kind, reason, status, source_topic, source_partition, source_offset::text,
              review_workflow_id, decision_note, created_at, decided_at
         FROM payment_events_quarantine WHERE id = $1`,
      [id],
    );
    return rows[0] ? fromQuarantineRow(rows[0]) : undefined;
  }

  /** The sealed payload of a quarantined event (the message as read, or the event). */
  async quarantinedPayload(id: string): Promise<Sealed<string> | SealedPaymentEvent | undefined> {
    const { rows } = await this.pool.query<{ payload: Sealed<string> | SealedPaymentEvent }>('SELECT payload FROM payment_events_quarantine WHERE id = $1', [
      id,
    ]);
    return rows[0]?.payload;
  }

  /**
   * A page of the quarantine, newest first on (created_at, id), filtered by status and kind: the
   * entries after `after` (the previous page's last), at most `limit`. Served by the index on
   * (status, created_at, id) when a status is given.
   */
  async listQuarantined({ status, kind, limit, after }: QuarantineListQuery): Promise<QuarantinedPaymentEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (status !== undefined) where.push(`status = ${param(status)}`);
    if (kind !== undefined) where.push(`kind = ${param(kind)}`);
    if (after !== undefined) where.push(`(created_at, id) < (${param(after.createdAt)}::timestamptz, ${param(after.id)}::uuid)`);
    const { rows } = await this.pool.query<QuarantineRow>(
      `SELECT id, quarantine_key, event_id, kind, reason, status, source_topic, source_partition, source_offset::text,
              review_workflow_id, decision_note, created_at, decided_at
         FROM payment_events_quarantine
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC
        LIMIT ${param(limit)}`,
      params,
    );
    return rows.map(fromQuarantineRow);
  }

  /** Entries of the quarantine by status and kind (what the gateway exports as a gauge). */
  async quarantineSizes(): Promise<Array<{ status: string; kind: string; count: number }>> {
    const { rows } = await this.pool.query<{ status: string; kind: string; count: string }>(
      'SELECT status, kind, count(*) AS count FROM payment_events_quarantine GROUP BY status, kind',
    );
    return rows.map((row) => ({ status: row.status, kind: row.kind, count: Number(row.count) }));
  }

  /** One stored event with the card's country, the decline, the merchant and every detail of its scores, or undefined. */
  async findDetailed(eventId: string): Promise<StoredPaymentEventDetails | undefined> {
    // Two reads of one row that is written once and never changed.
    const [event, { rows }] = await Promise.all([
      this.find(eventId),
      this.pool.query<{
        card_country: string;
        billing_country: string;
        decline_code: string | null;
        merchant_id: string | null;
        fraud_reasons: string[] | null;
        retry_after_hours: number | null;
        retry_success_probability: number | null;
      }>(
        `SELECT card_country, billing_country, decline_code, merchant_id, fraud_reasons, retry_after_hours, retry_success_probability
           FROM payment_events WHERE event_id = $1`,
        [eventId],
      ),
    ]);
    const row = rows[0];
    if (!event || !row) return undefined;
    return {
      ...event,
      cardCountry: row.card_country,
      billingCountry: row.billing_country,
      declineCode: row.decline_code,
      merchantId: row.merchant_id,
      fraudReasons: row.fraud_reasons ?? [],
      retryAfterHours: row.retry_after_hours,
      retrySuccessProbability: row.retry_success_probability,
    };
  }
}
