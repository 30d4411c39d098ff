import { EMPTY_COUNTS } from './job';
import { jobFinishedEvent, webhookDeliveryWorkflowId } from './webhooks';

describe('jobFinishedEvent', () => {
  const at = new Date('2026-12-01T10:00:00.000Z');
  const counts = { ...EMPTY_COUNTS, total: 3, enriched: 2, notFound: 1 };

  it('a CSV job completing or failing is job.completed or job.failed, with ids, counts and links only', () => {
    expect(jobFinishedEvent({ jobId: 'j1', erid: null, status: 'COMPLETED' }, counts, at)).toEqual({
      type: 'job.completed',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: { jobId: 'j1', status: 'COMPLETED', counts, links: { self: '/v1/jobs/j1', results: '/v1/jobs/j1/results' } },
    });
    expect(jobFinishedEvent({ jobId: 'j1', erid: null, status: 'FAILED' }, counts, at)?.type).toBe('job.failed');
  });

  it("an erid's job completing is enrichment_request.completed; failing, job.failed with its erid", () => {
    expect(jobFinishedEvent({ jobId: 'j2', erid: 'camp 7', status: 'COMPLETED' }, counts, at)).toMatchObject({
      type: 'enrichment_request.completed',
      data: { jobId: 'j2', erid: 'camp 7', links: { self: '/v1/enrichment-requests/camp%207', results: '/v1/enrichment-requests/camp%207/results' } },
    });
    expect(jobFinishedEvent({ jobId: 'j2', erid: 'camp', status: 'FAILED' }, counts, at)).toMatchObject({ type: 'job.failed', data: { erid: 'camp' } });
  });

  it('a cancelled job makes no event', () => {
    expect(jobFinishedEvent({ jobId: 'j3', erid: null, status: 'CANCELLED' }, counts, at)).toBeUndefined();
    expect(jobFinishedEvent({ jobId: 'j3', erid: 'x', status: 'CANCELLED' }, counts, at)).toBeUndefined();
  });
});

describe('webhookDeliveryWorkflowId', () => {
  it('keeps the ids running deliveries were started under', () => {
    expect(webhookDeliveryWorkflowId('msg_abc')).toBe('webhook-msg_abc');
    expect(webhookDeliveryWorkflowId('msg_abc', 3)).toBe('webhook-msg_abc-r3');
  });
});
