import { Prisma, type PrismaClient } from './generated/prisma/client';

/** A customer organisation of the platform. */
export interface Tenant {
  id: string;
  slug: string;
  name: string;
  /** Requests per minute per API key; null: the gateway's default. */
  rateLimitPerMinute: number | null;
  createdAt: Date;
}

/** A tenant with this slug exists already. */
export class TenantExistsError extends Error {
  override readonly name = 'TenantExistsError';
}

const TENANT = { id: true, slug: true, name: true, rateLimitPerMinute: true, createdAt: true } as const;

/** Tenants: created by operators (the admin CLI), read by the gateway's authentication. */
export class TenantRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** @throws {@link TenantExistsError} when the slug is taken. */
  async create(tenant: { slug: string; name: string; rateLimitPerMinute?: number | null }): Promise<Tenant> {
    try {
      return await this.prisma.tenant.create({ data: tenant, select: TENANT });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new TenantExistsError(`a tenant named "${tenant.slug}" exists already`, { cause: error });
      }
      throw error;
    }
  }

  async bySlug(slug: string): Promise<Tenant | undefined> {
    return (await this.prisma.tenant.findUnique({ where: { slug }, select: TENANT })) ?? undefined;
  }

  async byId(id: string): Promise<Tenant | undefined> {
    return (await this.prisma.tenant.findUnique({ where: { id }, select: TENANT })) ?? undefined;
  }

  /** Every tenant, oldest first. */
  async list(): Promise<Tenant[]> {
    return this.prisma.tenant.findMany({ select: TENANT, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** Changes a tenant's rate limit (null: the gateway's default); undefined when there is no such tenant. */
  async setRateLimit(slug: string, rateLimitPerMinute: number | null): Promise<Tenant | undefined> {
    const { count } = await this.prisma.tenant.updateMany({ where: { slug }, data: { rateLimitPerMinute } });
    return count === 0 ? undefined : this.bySlug(slug);
  }
}
