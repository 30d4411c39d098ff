import type { VendorUsage } from '@enrich/domain';
import type { Pool } from 'pg';
import { sqlPool, type PrismaClient } from './prisma-client';

/** Calls a job made at one vendor, or what their answers brought (one write of the ledger). */
export interface ProviderCallEntry {
  jobId: string;
  vendor: string;
  /** Requests sent (every attempt). */
  calls?: number;
  /** Lookups that went to the vendor (first attempts). */
  lookups?: number;
  matches?: number;
  credits?: number;
}

/** What a job's calls cost, from the ledger: lookups sent to a vendor, and per vendor its usage. */
export interface BilledUsage {
  providerCalls: number;
  vendors: Record<string, VendorUsage>;
}

/**
 * The provider-call ledger: every call a job makes is recorded before the request leaves, so the
 * job's bill survives any crash of the attempt that made it. Append-only (no row is contended by
 * concurrent pages); read as sums per vendor.
 */
export class ProviderCallRepository {
  /** Written ahead of every provider call: straight to `pg` (see {@link sqlPool}). */
  private readonly pool: Pool;

  constructor(prisma: PrismaClient) {
    this.pool = sqlPool(prisma);
  }

  /** Stores `entries` in one statement, summed per job and vendor. */
  async recordMany(entries: readonly ProviderCallEntry[]): Promise<void> {
    const sums = new Map<string, Required<ProviderCallEntry>>();
    for (const entry of entries) {
      const key = `${entry.jobId}\u0000${entry.vendor}`;
      const sum = sums.get(key) ?? { jobId: entry.jobId, vendor: entry.vendor, calls: 0, lookups: 0, matches: 0, credits: 0 };
      sum.calls += entry.calls ?? 0;
      sum.lookups += entry.lookups ?? 0;
      sum.matches += entry.matches ?? 0;
      sum.credits += entry.credits ?? 0;
      sums.set(key, sum);
    }
    const rows = [...sums.values()];
    if (rows.length === 0) return;
    await this.pool.query(
      `INSERT INTO provider_call (job_id, vendor, calls, lookups, matches, credits)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::int[], $6::float8[])`,
      [
        rows.map((r) => r.jobId),
        rows.map((r) => r.vendor),
        rows.map((r) => r.calls),
        rows.map((r) => r.lookups),
        rows.map((r) => r.matches),
        rows.map((r) => r.credits),
      ],
    );
  }

  /** The job's calls and their cost per vendor, as recorded so far. */
  async usage(jobId: string): Promise<BilledUsage> {
    const { rows } = await this.pool.query<{ vendor: string; calls: string; lookups: string; matches: string; credits: number }>(
      `SELECT vendor, sum(calls) AS calls, sum(lookups) AS lookups, sum(matches) AS matches, sum(credits) AS credits
         FROM provider_call WHERE job_id = $1 GROUP BY vendor ORDER BY vendor`,
      [jobId],
    );
    const vendors: Record<string, VendorUsage> = {};
    let providerCalls = 0;
    for (const row of rows) {
      providerCalls += Number(row.lookups);
      vendors[row.vendor] = { calls: Number(row.calls), matches: Number(row.matches), credits: Math.round(Number(row.credits) * 1e6) / 1e6 };
    }
    return { providerCalls, vendors };
  }
}
