-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('PENDING', 'STAGING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "RowStatus" AS ENUM ('PENDING', 'ENRICHED', 'NOT_FOUND', 'FAILED', 'QUARANTINED');

-- CreateTable
CREATE TABLE "job" (
    "id" UUID NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'PENDING',
    "source_name" TEXT NOT NULL,
    "blob_key" TEXT NOT NULL,
    "fields" TEXT[],
    "total_rows" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "workflow_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_row" (
    "job_id" UUID NOT NULL,
    "row_number" INTEGER NOT NULL,
    "line_number" INTEGER NOT NULL,
    "input" JSONB NOT NULL,
    "status" "RowStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_row_pkey" PRIMARY KEY ("job_id","row_number")
);

-- CreateTable
CREATE TABLE "enrichment_result" (
    "job_id" UUID NOT NULL,
    "row_number" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "provider" TEXT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "enrichment_result_pkey" PRIMARY KEY ("job_id","row_number","field")
);

-- CreateTable
CREATE TABLE "customer" (
    "id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "email" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "postal_code" TEXT,
    "demographics" JSONB,
    "enriched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "job_created_at_idx" ON "job"("created_at");

-- CreateIndex
CREATE INDEX "job_row_job_id_status_idx" ON "job_row"("job_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "customer_external_id_key" ON "customer"("external_id");

-- CreateIndex
CREATE INDEX "customer_enriched_at_id_idx" ON "customer"("enriched_at", "id");

-- AddForeignKey
ALTER TABLE "job_row" ADD CONSTRAINT "job_row_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrichment_result" ADD CONSTRAINT "enrichment_result_job_id_row_number_fkey" FOREIGN KEY ("job_id", "row_number") REFERENCES "job_row"("job_id", "row_number") ON DELETE CASCADE ON UPDATE CASCADE;
