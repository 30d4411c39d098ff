import type { StoredEnrichedField } from '@enrich/domain';
import type { Prisma, PrismaClient } from './prisma-client';

export interface CustomerInput {
  externalId: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  postalCode?: string;
}

export interface StaleCustomer extends CustomerInput {
  id: string;
  /** Current demographics with provenance, by field name (as stored: personal values, if any, sealed). */
  demographics: StoredEnrichedField[];
}

export interface CustomerRefresh {
  id: string;
  /** The merged demographics to store; undefined keeps what is there (e.g. provider had no record). */
  demographics?: StoredEnrichedField[];
  refreshedAt: Date;
}

/** Data access for customers refreshed by the `customer-demographics-refresh` schedule. */
export class CustomerRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Creates or updates customers by external id (their identity in the source system). */
  async upsertMany(customers: readonly CustomerInput[]): Promise<void> {
    await this.prisma.$transaction(
      customers.map((c) =>
        this.prisma.customer.upsert({
          where: { externalId: c.externalId },
          create: c,
          update: { email: c.email, firstName: c.firstName, lastName: c.lastName, postalCode: c.postalCode },
        }),
      ),
    );
  }

  /**
   * Customers never enriched or enriched before `staleBefore`, in id order after `afterId`: a
   * keyset cursor, so a run that continues as new resumes exactly where it was.
   */
  async stale(staleBefore: Date, afterId: string | undefined, limit: number): Promise<StaleCustomer[]> {
    const rows = await this.prisma.customer.findMany({
      where: {
        OR: [{ enrichedAt: null }, { enrichedAt: { lt: staleBefore } }],
        ...(afterId ? { id: { gt: afterId } } : {}),
        email: { not: null },
      },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((r) => ({
      id: r.id,
      externalId: r.externalId,
      email: r.email ?? undefined,
      firstName: r.firstName ?? undefined,
      lastName: r.lastName ?? undefined,
      postalCode: r.postalCode ?? undefined,
      demographics: Array.isArray(r.demographics) ? (r.demographics as unknown as StoredEnrichedField[]) : [],
    }));
  }

  async saveRefreshes(refreshes: readonly CustomerRefresh[]): Promise<void> {
    await this.prisma.$transaction(
      refreshes.map((r) =>
        this.prisma.customer.update({
          where: { id: r.id },
          data: { enrichedAt: r.refreshedAt, ...(r.demographics ? { demographics: r.demographics as unknown as Prisma.InputJsonValue } : {}) },
        }),
      ),
    );
  }

  async findByExternalId(externalId: string) {
    return this.prisma.customer.findUnique({ where: { externalId } });
  }
}
