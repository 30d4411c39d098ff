import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobNotFoundError, S3BlobStore } from '@enrich/db';
import { jobWorkflowId } from '@enrich/domain';
import { customersCsv, uniqueTaskQueue } from '@enrich/testing';
import type { batchEnrichmentWorkflow } from '@enrich/workflows';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { startEnrichmentWorker } from './test-support/enrichment-worker';
import { jobSuite } from './test-support/job-suite';

/** Uploads in S3 (the test stack's emulator: moto serves S3 beside KMS), so a gateway and workers on different hosts share them. */
describe('a job whose upload is in an S3 bucket', () => {
  const suite = jobSuite('enrich-s3-');
  const bucket = `enrich-uploads-${randomUUID().slice(0, 8)}`;
  const endpoint = () => {
    const url = process.env.KMS_ENDPOINT;
    if (!url) throw new Error('KMS_ENDPOINT is not set: run through npm test or nx test (the test stack runs the S3 emulator)');
    return url;
  };

  it('is staged from the bucket, enriched, and its upload deleted once staged', async () => {
    const client = new S3Client({ endpoint: endpoint(), forcePathStyle: true, region: process.env.AWS_REGION ?? 'us-east-1' });
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const uploads = new S3BlobStore({ bucket, prefix: 'gateway/', client });
      const blobKey = 'uploads/people.csv';
      await uploads.put(blobKey, Readable.from([Buffer.from(customersCsv({ rows: 30, seed: 31 }))]));
      const { id: jobId } = await suite.jobs.create({ sourceName: 'people.csv', blobKey, fields: ['demographics'] });
      const taskQueue = uniqueTaskQueue('s3-uploads');
      const worker = await startEnrichmentWorker({
        connection: suite.temporal.nativeConnection,
        prisma: suite.db.prisma,
        taskQueue,
        knobs: { latencyMs: 0, jitterMs: 0, notFoundRate: 0 },
        blobS3: { bucket, prefix: 'gateway/', endpoint: endpoint() },
      });
      const counts = await worker.runUntil(
        suite.temporal.client.workflow.execute<typeof batchEnrichmentWorkflow>('batchEnrichmentWorkflow', {
          workflowId: jobWorkflowId(jobId),
          taskQueue,
          args: [{ jobId, fields: ['demographics'] }],
        }),
      );
      expect(counts).toMatchObject({ total: 30, enriched: 30, pending: 0, failed: 0 });
      // The upload holds personal data in the clear: gone from the bucket once every row is staged.
      await expect(uploads.get(blobKey)).rejects.toBeInstanceOf(BlobNotFoundError);
    } finally {
      client.destroy();
    }
  });
});
