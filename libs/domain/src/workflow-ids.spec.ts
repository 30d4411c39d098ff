import { CUSTOMER_REFRESH_SCHEDULE_ID, CUSTOMER_REFRESH_WORKFLOW_ID, jobWorkflowId, rowResearchWorkflowId } from './workflow-ids';

/**
 * Workflow ids are part of the contract with running executions and recorded histories (a child's
 * id derives from its parent's; the gateway finds a job's workflow by its id): they never change.
 */
describe('workflow ids', () => {
  it('keeps the ids running executions were started under', () => {
    expect(jobWorkflowId('0c4f6a1e-9b7d-4c1a-8f5e-2d3b4a5c6d7e')).toBe('job-0c4f6a1e-9b7d-4c1a-8f5e-2d3b4a5c6d7e');
    expect(rowResearchWorkflowId('job-abc', 12)).toBe('job-abc/row-12');
    expect([CUSTOMER_REFRESH_SCHEDULE_ID, CUSTOMER_REFRESH_WORKFLOW_ID]).toEqual(['customer-demographics-refresh', 'customer-refresh']);
  });
});
