-- CreateTable
CREATE TABLE "payment_events" (
    "event_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "customer_id" TEXT NOT NULL,
    "email" JSONB,
    "amount" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "card_number" JSONB NOT NULL,
    "card_bin" TEXT NOT NULL,
    "card_last4" TEXT NOT NULL,
    "card_country" TEXT NOT NULL,
    "billing_country" TEXT NOT NULL,
    "decline_code" TEXT,
    "merchant_id" TEXT,
    "fraud_score" DOUBLE PRECISION,
    "fraud_model" TEXT,
    "fraud_reasons" TEXT[],
    "retry_action" TEXT,
    "retry_after_hours" DOUBLE PRECISION,
    "retry_success_probability" DOUBLE PRECISION,
    "retry_model" TEXT,
    "churn_probability" DOUBLE PRECISION NOT NULL,
    "churn_model" TEXT NOT NULL,
    "source_topic" TEXT NOT NULL,
    "source_partition" INTEGER NOT NULL,
    "source_offset" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "payment_events_quarantine" (
    "id" UUID NOT NULL,
    "quarantine_key" TEXT NOT NULL,
    "event_id" TEXT,
    "kind" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'QUARANTINED',
    "source_topic" TEXT NOT NULL,
    "source_partition" INTEGER NOT NULL,
    "source_offset" BIGINT NOT NULL,
    "review_workflow_id" TEXT NOT NULL,
    "decision_note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "payment_events_quarantine_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payment_events_customer_id_occurred_at_idx" ON "payment_events"("customer_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "payment_events_quarantine_quarantine_key_key" ON "payment_events_quarantine"("quarantine_key");

-- CreateIndex
CREATE INDEX "payment_events_quarantine_status_created_at_id_idx" ON "payment_events_quarantine"("status", "created_at", "id");
