-- CreateTable
CREATE TABLE "provider_call" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "vendor" TEXT NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "lookups" INTEGER NOT NULL DEFAULT 0,
    "matches" INTEGER NOT NULL DEFAULT 0,
    "credits" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_call_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "provider_call_job_id_idx" ON "provider_call"("job_id");

-- AddForeignKey
ALTER TABLE "provider_call" ADD CONSTRAINT "provider_call_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
