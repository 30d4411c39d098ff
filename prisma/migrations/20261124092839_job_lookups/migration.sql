-- AlterTable
ALTER TABLE "job" ADD COLUMN     "lookups" JSONB;
