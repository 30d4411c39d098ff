-- AlterTable
ALTER TABLE "job" ADD COLUMN     "closed_at" TIMESTAMPTZ(3),
ADD COLUMN     "erid" TEXT,
ALTER COLUMN "blob_key" DROP NOT NULL;

-- CreateTable
CREATE TABLE "push_request" (
    "job_id" UUID NOT NULL,
    "request_key" TEXT NOT NULL,
    "first_row" INTEGER NOT NULL,
    "contacts" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "push_request_pkey" PRIMARY KEY ("job_id","request_key")
);

-- CreateIndex
CREATE INDEX "push_request_job_id_first_row_idx" ON "push_request"("job_id", "first_row");

-- CreateIndex
CREATE UNIQUE INDEX "job_tenant_id_erid_key" ON "job"("tenant_id", "erid");

-- AddForeignKey
ALTER TABLE "push_request" ADD CONSTRAINT "push_request_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

