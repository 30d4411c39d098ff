import type { FieldSealer } from '@enrich/codec';
import type { JobRepository, ProviderCallRepository, PushAggregate, PushRequestRecord, PushRequestRepository } from '@enrich/db';
import {
  FAILURE_TYPES,
  isTerminal,
  jobWorkflowId,
  parsePushRequest,
  PERSONAL_CUSTOMER_FIELDS,
  pushRequestBodySchema,
  type JobCounts,
  withBilledUsage,
} from '@enrich/domain';
import { HttpError, notFound } from '@enrich/http';
import { closeUpdate, contactsStagedSignal, pushProgressQuery, pushRequestWorkflow, raiseCreditsUpdate, type PushProgress } from '@enrich/workflows';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { createHash } from 'node:crypto';

export interface PushRequestsServiceDeps {
  pushRequests: PushRequestRepository;
  jobs: JobRepository;
  /** The provider-call ledger: the erid's calls as they are made, crashed attempts included. */
  providerCalls: Pick<ProviderCallRepository, 'usage'>;
  temporal: Client;
  taskQueue: string;
  sealer: Pick<FieldSealer, 'sealRecord' | 'seal'>;
  /** An erid closes by itself once no contact has arrived for this long. */
  idleCloseSeconds: number;
}

/** An erid as the API shows it. */
export interface EridView {
  erid: string;
  jobId: string;
  status: PushAggregate['status'];
  /** Whether it still takes contacts. */
  open: boolean;
  closedAt: string | null;
  createdAt: string;
  groups: string[];
  counts: JobCounts;
  /** Live from its workflow while it runs. */
  progress?: Pick<PushProgress, 'phase' | 'stagedRows' | 'nextRow' | 'pagesInFlight' | 'lookups' | 'credits'>;
  /** The requests it holds, in arrival order (the first 100). */
  requests: Array<{ firstRow: number; contacts: number; receivedAt: string }>;
}

/** What `POST /v1/enrichment-requests` answers. */
export interface PushAccepted {
  erid: string;
  jobId: string;
  /** The rows this request's contacts are (`firstRow` .. `firstRow + contacts - 1`), and whether it had been received before. */
  request: { firstRow: number; contacts: number; replayed: boolean };
}

/**
 * Push requests grouped by erid: validates a request, stages its contacts (sealed, once per
 * request) into its erid's job, and starts or joins the erid's workflow with one signal-with-start,
 * so twenty requests racing on a new erid make one workflow and lose no contact.
 */
export class PushRequestsService {
  constructor(private readonly deps: PushRequestsServiceDeps) {}

  /** @param idempotencyKey the request's `Idempotency-Key`: a request sent again with it (or with the same body) stages nothing twice. */
  async push(tenantId: string, body: unknown, idempotencyKey: string | undefined): Promise<PushAccepted> {
    const parsedBody = pushRequestBodySchema.parse(body);
    const parsed = parsePushRequest(parsedBody);
    if (!parsed.ok) {
      throw new HttpError(400, 'invalid_request', parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues: parsed.issues });
    }
    const { erid, groups, contacts } = parsed.request;
    const aggregate = await this.deps.pushRequests.openOrCreate(tenantId, erid, groups, jobWorkflowId);
    if (aggregate.fields.join(',') !== groups.join(',')) {
      throw conflict(`erid ${erid} enriches ${aggregate.fields.join(', ')}; this request asks for ${groups.join(', ')}: send it under another erid`, aggregate);
    }
    const sealed = await Promise.all(
      contacts.map(async (contact) => ({
        input: await this.deps.sealer.sealRecord(contact.record, PERSONAL_CUSTOMER_FIELDS),
        cells: await this.deps.sealer.seal(contact.cells),
      })),
    );
    const requestKey = idempotencyKey ? `key:${idempotencyKey}` : `body:${createHash('sha256').update(JSON.stringify(parsedBody)).digest('base64url')}`;
    const staged = await this.deps.pushRequests.stage(aggregate.jobId, requestKey, sealed);
    if ('closed' in staged) throw conflict(`erid ${erid} is closed: it takes no more contacts; send them under a new erid`, aggregate);
    // A replay of a request staged before the close needs nothing more: the close counted its rows.
    if (!(staged.replayed && aggregate.closedAt)) await this.announce(aggregate, staged.firstRow + staged.contacts - 1, parsedBody.max_credits);
    return { erid, jobId: aggregate.jobId, request: staged };
  }

  async get(tenantId: string, erid: string): Promise<EridView> {
    const aggregate = await this.find(tenantId, erid);
    const [counts, live, requests] = await Promise.all([
      this.deps.jobs.counts(aggregate.jobId),
      isTerminal(aggregate.status) ? undefined : this.liveProgress(aggregate),
      this.deps.pushRequests.requests(aggregate.jobId, 0, 100),
    ]);
    return viewOf(aggregate, counts, live, requests);
  }

  /** The erid's job (its results and export are the job's). */
  async jobOf(tenantId: string, erid: string): Promise<string> {
    return (await this.find(tenantId, erid)).jobId;
  }

  /** Closes the erid (idempotent): its workflow records the close, finishes the pages left, and completes. */
  async close(tenantId: string, erid: string): Promise<EridView> {
    const aggregate = await this.find(tenantId, erid);
    if (!aggregate.closedAt) await this.deps.temporal.workflow.getHandle(aggregate.workflowId).executeUpdate(closeUpdate);
    return this.get(tenantId, erid);
  }

  /**
   * Gives the erid a new credit budget (it must have been created with `max_credits`); a budget not
   * above what it spent is a 409 saying what the rest would take.
   */
  async raiseCredits(tenantId: string, erid: string, maxCredits: number): Promise<EridView> {
    const aggregate = await this.find(tenantId, erid);
    if (isTerminal(aggregate.status)) throw conflict(`erid ${erid} is ${aggregate.status.toLowerCase()}: there is nothing left to spend on`, aggregate);
    try {
      await this.deps.temporal.workflow.getHandle(aggregate.workflowId).executeUpdate(raiseCreditsUpdate, { args: [{ maxCredits }] });
    } catch (error) {
      if (
        error instanceof WorkflowUpdateFailedError &&
        error.cause instanceof ApplicationFailure &&
        error.cause.type === FAILURE_TYPES.CREDIT_BUDGET_EXHAUSTED
      ) {
        throw new HttpError(409, 'credit_budget_exhausted', error.cause.message, { erid }, {}, { cause: error });
      }
      throw error;
    }
    return this.get(tenantId, erid);
  }

  /** Tells the erid's workflow how far its contacts are staged (signal-with-start: atomic, and no wait for a worker), starting it on the first request. */
  private async announce(aggregate: PushAggregate, through: number, maxCredits: number | undefined): Promise<void> {
    try {
      await this.deps.temporal.workflow.signalWithStart(pushRequestWorkflow, {
        workflowId: aggregate.workflowId,
        taskQueue: this.deps.taskQueue,
        args: [
          {
            jobId: aggregate.jobId,
            erid: aggregate.erid,
            fields: aggregate.fields,
            idleCloseSeconds: this.deps.idleCloseSeconds,
            ...(maxCredits !== undefined ? { maxCredits } : {}),
          },
        ],
        signal: contactsStagedSignal,
        signalArgs: [{ through }],
        // A finished erid is never started again: its contacts were all counted when it closed.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      // Staged before the erid closed (its workflow is done and never started again), so the close
      // counted these rows: nothing is lost.
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw error;
    }
  }

  private async find(tenantId: string, erid: string): Promise<PushAggregate> {
    const aggregate = await this.deps.pushRequests.byErid(tenantId, erid);
    if (!aggregate) throw notFound(`erid ${erid} does not exist`);
    return aggregate;
  }

  /** The running erid's progress, its calls as the provider-call ledger has them (crashed attempts' included). */
  private async liveProgress(aggregate: PushAggregate): Promise<PushProgress | undefined> {
    const live = await this.deps.temporal.workflow
      .getHandle(aggregate.workflowId)
      .query(pushProgressQuery)
      .catch(() => undefined);
    return live && { ...live, lookups: withBilledUsage(live.lookups, await this.deps.providerCalls.usage(aggregate.jobId)) };
  }
}

function conflict(message: string, aggregate: PushAggregate): HttpError {
  return new HttpError(409, 'conflict', message, { erid: aggregate.erid, status: aggregate.status, open: aggregate.closedAt === null });
}

function viewOf(aggregate: PushAggregate, counts: JobCounts, live: PushProgress | undefined, requests: PushRequestRecord[]): EridView {
  return {
    erid: aggregate.erid,
    jobId: aggregate.jobId,
    status: aggregate.status,
    open: aggregate.closedAt === null,
    closedAt: aggregate.closedAt?.toISOString() ?? null,
    createdAt: aggregate.createdAt.toISOString(),
    groups: aggregate.fields,
    counts,
    ...(live
      ? {
          progress: {
            phase: live.phase,
            stagedRows: live.stagedRows,
            nextRow: live.nextRow,
            pagesInFlight: live.pagesInFlight,
            lookups: live.lookups,
            ...(live.credits ? { credits: live.credits } : {}),
          },
        }
      : {}),
    requests: requests.map((r) => ({ firstRow: r.firstRow, contacts: r.contacts, receivedAt: r.createdAt.toISOString() })),
  };
}
