-- AlterTable
ALTER TABLE "job" ADD COLUMN     "header" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "job_row" ADD COLUMN     "cells" JSONB;
