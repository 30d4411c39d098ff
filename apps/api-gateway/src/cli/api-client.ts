import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { JobCounts, JobProgress } from '@enrich/domain';
import { Readable } from 'node:stream';
import { request } from 'undici';

export interface JobResponse {
  id: string;
  status: string;
  sourceName: string;
  error: string | null;
  counts: JobCounts;
  workflowId: string | null;
  progress?: JobProgress;
}

/** Optional workflow tuning sent with a job. */
export interface SubmitOptions {
  fields: string;
  pageSize?: number;
  windowSize?: number;
  /** Credits the job may spend at its vendors before it pauses (phase budget_exhausted). */
  maxCredits?: number;
  /** The file's text encoding (utf-8, utf-16le, utf-16be, windows-1252, latin1); detected when absent. */
  encoding?: string;
}

/** The gateway answered with an error; the message is the gateway's own. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Minimal typed client of the gateway's /v1/jobs API, used by the CLI. */
export class EnrichApiClient {
  /** `apiKey`: sent as `Authorization: Bearer <key>` (every /v1 route needs one). */
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  async submitJob(path: string, { fields, pageSize, windowSize, maxCredits, encoding }: SubmitOptions): Promise<JobResponse> {
    const { size } = await stat(path);
    const query = new URLSearchParams({ fields, name: basename(path) });
    if (encoding !== undefined) query.set('encoding', encoding);
    if (pageSize !== undefined) query.set('pageSize', String(pageSize));
    if (windowSize !== undefined) query.set('windowSize', String(windowSize));
    if (maxCredits !== undefined) query.set('maxCredits', String(maxCredits));
    return this.call<JobResponse>('POST', `/v1/jobs?${query}`, {
      body: createReadStream(path),
      headers: { 'content-type': 'text/csv', 'content-length': String(size) },
    });
  }

  async getJob(id: string): Promise<JobResponse> {
    return this.call<JobResponse>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  /** `pause`, `resume` (with a new credit budget, for a job that spent its own) or `cancel` a job; answers the job as it stands after the request. */
  async controlJob(id: string, action: 'pause' | 'resume' | 'cancel', resume: { maxCredits?: number } = {}): Promise<JobResponse> {
    const body = action === 'resume' && resume.maxCredits !== undefined ? JSON.stringify(resume) : undefined;
    return this.call<JobResponse>(
      'POST',
      `/v1/jobs/${encodeURIComponent(id)}/${action}`,
      body ? { body: Readable.from([body]), headers: { 'content-type': 'application/json' } } : {},
    );
  }

  /** The job's results as a CSV byte stream, read as it is consumed. */
  async exportJob(id: string): Promise<Readable> {
    return this.download(`/v1/jobs/${encodeURIComponent(id)}/results.csv`);
  }

  /** Sends a push request (`{ erid, contact_list, fields_to_be_enriched }`); `idempotencyKey` makes a retry safe. */
  async pushRequest(body: string, idempotencyKey?: string): Promise<Record<string, unknown>> {
    return this.call('POST', '/v1/enrichment-requests', {
      body: Readable.from([body]),
      headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    });
  }

  async getRequest(erid: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/v1/enrichment-requests/${encodeURIComponent(erid)}`);
  }

  async closeRequest(erid: string): Promise<Record<string, unknown>> {
    return this.call('POST', `/v1/enrichment-requests/${encodeURIComponent(erid)}/close`);
  }

  /** An erid's results as a CSV byte stream. */
  async exportRequest(erid: string): Promise<Readable> {
    return this.download(`/v1/enrichment-requests/${encodeURIComponent(erid)}/results.csv`);
  }

  /** A page of the payment-event quarantine (admin), newest first. */
  async listQuarantine(query: { status?: string; kind?: string; limit?: number; cursor?: string }): Promise<Record<string, unknown>> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const search = params.toString();
    return this.call('GET', `/v1/payment-events/quarantine${search ? `?${search}` : ''}`);
  }

  /** One quarantined payment event with its review's live state (admin). */
  async getQuarantined(id: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/v1/payment-events/quarantine/${encodeURIComponent(id)}`);
  }

  /** Releases (with a corrected event, if given) or discards a quarantined payment event (admin). */
  async decideQuarantined(id: string, action: 'release' | 'discard', body: { event?: unknown; note?: string }): Promise<Record<string, unknown>> {
    return this.call('POST', `/v1/payment-events/quarantine/${encodeURIComponent(id)}/${action}`, {
      body: Readable.from([JSON.stringify(body)]),
      headers: { 'content-type': 'application/json' },
    });
  }

  private async download(path: string): Promise<Readable> {
    const response = await this.send('GET', path);
    if (response.statusCode >= 400) throw await this.failure(response);
    return response.body;
  }

  private async call<T>(method: 'GET' | 'POST', path: string, init: { body?: NodeJS.ReadableStream; headers?: Record<string, string> } = {}): Promise<T> {
    const response = await this.send(method, path, init);
    if (response.statusCode >= 400) throw await this.failure(response);
    const text = await response.body.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  private async send(method: 'GET' | 'POST', path: string, init: { body?: NodeJS.ReadableStream; headers?: Record<string, string> } = {}) {
    try {
      const headers = { ...init.headers, ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) };
      return await request(`${this.baseUrl}${path}`, { method, body: init.body as never, headers });
    } catch (error) {
      throw new ApiError(0, `cannot reach the API at ${this.baseUrl} (${(error as Error).message}); is the gateway running? (npm run demo starts it)`, {
        cause: error,
      });
    }
  }

  private async failure(response: { statusCode: number; body: { text(): Promise<string> } }): Promise<ApiError> {
    const text = await response.body.text();
    let message: string | undefined;
    try {
      message = (JSON.parse(text) as { message?: string }).message;
    } catch {
      // Not the gateway's JSON (a proxy's page): the status says enough.
    }
    const hint = response.statusCode === 401 ? ' (set ENRICH_API_KEY or --api-key; `enrich admin keys create` makes a key)' : '';
    return new ApiError(response.statusCode, `${message ?? `HTTP ${response.statusCode}`}${hint}`);
  }
}
