import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX, parseApiKey, type ApiScope } from '@enrich/domain';
import type { PrismaClient } from './generated/prisma/client';

/** An API key as listed: everything but its secret, which is never stored. */
export interface ApiKeyRecord {
  /** The key's visible prefix (`ek_…`), safe to log. */
  id: string;
  tenantId: string;
  name: string;
  scopes: ApiScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** A key just made: `key` is the only copy of the secret there will ever be. */
export interface MintedApiKey {
  key: string;
  record: ApiKeyRecord;
}

/** What authentication learns from a valid key. */
export interface VerifiedApiKey {
  record: ApiKeyRecord;
  tenant: { id: string; slug: string; rateLimitPerMinute: number | null };
}

/** Why a key was refused: said to the caller in general terms, logged precisely. */
export type ApiKeyRefusal = 'malformed' | 'unknown' | 'revoked' | 'expired';

const RECORD = { id: true, tenantId: true, name: true, scopes: true, createdAt: true, lastUsedAt: true, revokedAt: true, expiresAt: true } as const;

/** How often `last_used_at` is written for a key in steady use. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * API keys of tenants: minted with 256 random bits, stored as a SHA-256 of the secret, checked in
 * constant time, revoked or rotated (the old key expiring after a grace period).
 */
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(tenantId: string, key: { name: string; scopes: readonly ApiScope[]; expiresAt?: Date }): Promise<MintedApiKey> {
    const id = `${API_KEY_PREFIX}${randomBytes(6).toString('hex')}`;
    const secret = randomBytes(32).toString('base64url');
    const record = await this.prisma.apiKey.create({
      data: { id, tenantId, name: key.name, scopes: [...key.scopes], secretHash: hashSecret(secret), expiresAt: key.expiresAt ?? null },
      select: RECORD,
    });
    return { key: `${id}_${secret}`, record: asRecord(record) };
  }

  /** The tenant's keys, newest first (revoked ones included, marked). */
  async list(tenantId: string): Promise<ApiKeyRecord[]> {
    const keys = await this.prisma.apiKey.findMany({ where: { tenantId }, select: RECORD, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
    return keys.map(asRecord);
  }

  async get(tenantId: string, id: string): Promise<ApiKeyRecord | undefined> {
    const key = await this.prisma.apiKey.findFirst({ where: { id, tenantId }, select: RECORD });
    return key ? asRecord(key) : undefined;
  }

  /** Revokes the key for good (idempotent: the first revocation time stays); undefined when the tenant has no such key. */
  async revoke(tenantId: string, id: string, now = new Date()): Promise<ApiKeyRecord | undefined> {
    await this.prisma.apiKey.updateMany({ where: { id, tenantId, revokedAt: null }, data: { revokedAt: now } });
    return this.get(tenantId, id);
  }

  /**
   * Makes a new key with the same name and scopes and lets the old one expire after `graceSeconds`
   * (0: at once), so callers can switch without an outage. Undefined when the key is unknown or revoked.
   */
  async rotate(tenantId: string, id: string, graceSeconds: number, now = new Date()): Promise<{ minted: MintedApiKey; previous: ApiKeyRecord } | undefined> {
    const old = await this.get(tenantId, id);
    if (!old || old.revokedAt) return undefined;
    const expiresAt = new Date(now.getTime() + graceSeconds * 1_000);
    const minted = await this.create(tenantId, { name: old.name, scopes: old.scopes, ...(old.expiresAt ? { expiresAt: old.expiresAt } : {}) });
    await this.prisma.apiKey.updateMany({
      where: { id, tenantId, OR: [{ expiresAt: null }, { expiresAt: { gt: expiresAt } }] },
      data: { expiresAt },
    });
    return { minted, previous: (await this.get(tenantId, id)) as ApiKeyRecord };
  }

  /** Checks a presented key: its tenant and record when valid, else why not. */
  async verify(presented: string, now = new Date()): Promise<VerifiedApiKey | { refused: ApiKeyRefusal; id?: string }> {
    const parsed = parseApiKey(presented);
    if (!parsed) return { refused: 'malformed' };
    const key = await this.prisma.apiKey.findUnique({
      where: { id: parsed.id },
      select: { ...RECORD, secretHash: true, tenant: { select: { id: true, slug: true, rateLimitPerMinute: true } } },
    });
    // Compared whether or not the id exists, so timing does not tell which ids do.
    const expected = Buffer.from(key?.secretHash ?? hashSecret(''), 'base64url');
    const matches = timingSafeEqual(expected, Buffer.from(hashSecret(parsed.secret), 'base64url'));
    if (!key || !matches) return { refused: 'unknown', id: parsed.id };
    if (key.revokedAt) return { refused: 'revoked', id: key.id };
    if (key.expiresAt && key.expiresAt <= now) return { refused: 'expired', id: key.id };
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
    }
    const { secretHash: _secretHash, tenant, ...record } = key;
    return { record: asRecord(record), tenant };
  }
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

function asRecord(key: Omit<ApiKeyRecord, 'scopes'> & { scopes: string[] }): ApiKeyRecord {
  return { ...key, scopes: key.scopes as ApiScope[] };
}
