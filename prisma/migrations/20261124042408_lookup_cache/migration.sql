-- AlterTable
ALTER TABLE "enrichment_result" ADD COLUMN     "from_cache" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "lookup_cache" (
    "provider" TEXT NOT NULL,
    "lookup_key" TEXT NOT NULL,
    "found" BOOLEAN NOT NULL,
    "fields" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "lookup_cache_pkey" PRIMARY KEY ("provider","lookup_key")
);

-- CreateIndex
CREATE INDEX "lookup_cache_expires_at_idx" ON "lookup_cache"("expires_at");
