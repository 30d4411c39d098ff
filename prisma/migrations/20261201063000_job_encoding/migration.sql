-- AlterTable
ALTER TABLE "job" ADD COLUMN     "encoding" TEXT NOT NULL DEFAULT 'utf-8';
