import { apiScopeSchema, tenantSlugSchema, type ApiScope } from '@enrich/domain';
import { ApiKeyRepository, createPrismaClient, TenantExistsError, TenantRepository, type ApiKeyRecord, type PrismaClient, type Tenant } from '@enrich/db';
import { type Command, InvalidArgumentError } from 'commander';
import { parseNonNegative, parsePositive } from './arguments';

/**
 * `enrich admin …`: tenants and their API keys, for operators. It works on the database directly
 * (DATABASE_URL), because the first key of a tenant cannot come from the API it guards. Tenants'
 * own admins manage their keys through `/v1/keys` instead.
 */
export function addAdminCommands(program: Command, databaseUrl: () => string): void {
  const admin = program
    .command('admin')
    .description('operator commands on the database (DATABASE_URL): tenants and API keys')
    .option('--database-url <url>', 'PostgreSQL URL of the platform (env DATABASE_URL)');
  const withDatabase = async <T>(fn: (db: { tenants: TenantRepository; keys: ApiKeyRepository; prisma: PrismaClient }) => Promise<T>): Promise<T> => {
    const prisma = createPrismaClient({ url: admin.opts<{ databaseUrl?: string }>().databaseUrl ?? databaseUrl(), poolSize: 2 });
    try {
      return await fn({ tenants: new TenantRepository(prisma), keys: new ApiKeyRepository(prisma), prisma });
    } finally {
      await prisma.$disconnect();
    }
  };
  const tenantBySlug = async (tenants: TenantRepository, slug: string): Promise<Tenant> => {
    const tenant = await tenants.bySlug(slug);
    if (!tenant) throw new Error(`no tenant named "${slug}": list them with \`enrich admin tenants list\``);
    return tenant;
  };

  const tenants = admin.command('tenants').description('customer organisations');
  tenants
    .command('create <slug>')
    .description('create a tenant (slug: lowercase letters, digits, dashes)')
    .option('--name <name>', 'display name (default: the slug)')
    .option('--rate-limit <perMinute>', 'requests per minute per key (default: the gateway’s RATE_LIMIT_PER_MINUTE)', parsePositive)
    .option('--exists-ok', 'print the tenant if it exists already instead of failing (scripts)')
    .action(async (slug: string, options: { name?: string; rateLimit?: number; existsOk?: boolean }) => {
      const parsed = tenantSlugSchema.safeParse(slug);
      if (!parsed.success) throw new InvalidArgumentError(`tenant slug "${slug}": ${parsed.error.issues[0]?.message}`);
      const tenant = await withDatabase(async ({ tenants }) => {
        try {
          return await tenants.create({ slug: parsed.data, name: options.name ?? parsed.data, rateLimitPerMinute: options.rateLimit ?? null });
        } catch (error) {
          if (error instanceof TenantExistsError && options.existsOk) return tenantBySlug(tenants, parsed.data);
          throw error;
        }
      });
      printJson(tenant);
    });
  tenants
    .command('list')
    .description('every tenant, oldest first')
    .action(async () => printJson(await withDatabase(({ tenants }) => tenants.list())));

  const keys = admin.command('keys').description('API keys of a tenant (the secret is printed once, at creation)');
  keys
    .command('create')
    .description('create an API key and print it (store it now: only its hash is kept)')
    .requiredOption('--tenant <slug>', 'the tenant')
    .option('--name <name>', 'what the key is for', 'default')
    .option('--scopes <list>', 'comma-separated: read, write, pii, admin', parseScopes, ['read', 'write'] as ApiScope[])
    .option('--expires-in-days <days>', 'the key stops working after this many days', parsePositive)
    .action(async (options: { tenant: string; name: string; scopes: ApiScope[]; expiresInDays?: number }) => {
      const minted = await withDatabase(async ({ tenants, keys }) => {
        const tenant = await tenantBySlug(tenants, options.tenant);
        const expiresAt = options.expiresInDays ? new Date(Date.now() + options.expiresInDays * 86_400_000) : undefined;
        return keys.create(tenant.id, { name: options.name, scopes: options.scopes, ...(expiresAt ? { expiresAt } : {}) });
      });
      process.stderr.write(`API key ${minted.record.id} created for ${options.tenant} (${minted.record.scopes.join(', ')}); it is shown only now:\n`);
      process.stdout.write(`${minted.key}\n`);
    });
  keys
    .command('list')
    .description("a tenant's keys, newest first (never their secrets)")
    .requiredOption('--tenant <slug>', 'the tenant')
    .action(async (options: { tenant: string }) => {
      printJson(await withDatabase(async ({ tenants, keys }) => (await keys.list((await tenantBySlug(tenants, options.tenant)).id)).map(describeKey)));
    });
  keys
    .command('revoke <id>')
    .description('revoke a key for good (gateways refuse it within seconds)')
    .requiredOption('--tenant <slug>', 'the tenant')
    .action(async (id: string, options: { tenant: string }) => {
      const revoked = await withDatabase(async ({ tenants, keys }) => keys.revoke((await tenantBySlug(tenants, options.tenant)).id, id));
      if (!revoked) throw new Error(`tenant ${options.tenant} has no key ${id}`);
      printJson(describeKey(revoked));
    });
  keys
    .command('rotate <id>')
    .description('make a replacement key (same name and scopes) and let the old one expire after a grace period')
    .requiredOption('--tenant <slug>', 'the tenant')
    .option('--grace-seconds <seconds>', 'how long the old key keeps working', parseNonNegative, 3600)
    .action(async (id: string, options: { tenant: string; graceSeconds: number }) => {
      const rotated = await withDatabase(async ({ tenants, keys }) => keys.rotate((await tenantBySlug(tenants, options.tenant)).id, id, options.graceSeconds));
      if (!rotated) throw new Error(`tenant ${options.tenant} has no usable key ${id} (unknown or revoked)`);
      process.stderr.write(
        `API key ${rotated.minted.record.id} replaces ${id}, which expires at ${rotated.previous.expiresAt?.toISOString()}; it is shown only now:\n`,
      );
      process.stdout.write(`${rotated.minted.key}\n`);
    });
}

function describeKey(key: ApiKeyRecord) {
  return { ...key, status: key.revokedAt ? 'revoked' : key.expiresAt && key.expiresAt <= new Date() ? 'expired' : 'active' };
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function parseScopes(value: string): ApiScope[] {
  const scopes = value.split(',').map((scope) => scope.trim());
  const bad = scopes.filter((scope) => !apiScopeSchema.safeParse(scope).success);
  if (bad.length > 0 || scopes.length === 0) throw new InvalidArgumentError(`unknown scope(s) ${bad.join(', ')}; use read, write, pii, admin`);
  return scopes as ApiScope[];
}
