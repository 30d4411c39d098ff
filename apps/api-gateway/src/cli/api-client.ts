import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { JobCounts } from '@enrich/domain';
import { request } from 'undici';


export interface JobResponse {
  id: string;
  status: string;
  sourceName: string;
  error: string | null;
  counts: JobCounts;
  workflowId: string | null;
}

/** The gateway answered with an error; the message is the gateway's own. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Minimal typed client of the gateway's /v1/jobs API, used by the CLI. */
export class EnrichApiClient {
  constructor(private readonly baseUrl: string) {}

  async submitJob(path: string, fields: string): Promise<JobResponse> {
    const { size } = await stat(path);
    const query = new URLSearchParams({ fields, name: basename(path) });
    return this.call<JobResponse>('POST', `/v1/jobs?${query}`, {
      body: createReadStream(path),
      headers: { 'content-type': 'text/csv', 'content-length': String(size) },
    });
  }

  async getJob(id: string): Promise<JobResponse> {
    return this.call<JobResponse>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, init: { body?: NodeJS.ReadableStream; headers?: Record<string, string> } = {}): Promise<T> {
    let response;
    try {
      response = await request(`${this.baseUrl}${path}`, { method, body: init.body as never, headers: init.headers });
    } catch (error) {
      throw new ApiError(0, `cannot reach the API at ${this.baseUrl} (${(error as Error).message}); is the gateway running? (npm run demo starts it)`);
    }
    const text = await response.body.text();
    const body = text ? (JSON.parse(text) as { message?: string }) : {};
    if (response.statusCode >= 400) throw new ApiError(response.statusCode, body.message ?? `HTTP ${response.statusCode}`);
    return body as T;
  }
}
