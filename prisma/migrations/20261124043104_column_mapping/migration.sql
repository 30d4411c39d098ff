-- AlterTable
ALTER TABLE "job" ADD COLUMN     "column_mapping" JSONB;
