/**
 * Access tokens. A token is 32 random bytes (base64url) behind a role prefix: `hrv_…` viewer,
 * `hra_…` admin, `hrs_…` scrape (Prometheus `/metrics` only). Only its SHA-256 is stored
 * (the token has 256 bits of entropy, so a slow hash adds nothing); a presented token is hashed
 * and compared with every stored hash in constant time.
 *
 * - viewer: the dashboard, `GET /api/*`, the event stream, `/metrics`, and the read-only requests
 *   (not `getSettings`: its webhook URL is often a secret).
 * - admin: everything a viewer may, plus every state change (settings, one-click fixes, probes,
 *   snooze, test webhook).
 * - scrape: `/metrics` only.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type Role = 'viewer' | 'admin' | 'scrape';
export const roles: readonly Role[] = ['viewer', 'admin', 'scrape'];

export interface StoredToken {
  role: Role;
  /** Hex SHA-256 of the token. */
  sha256: string;
  /** Who or what the token is for (free text, shown nowhere but the config file). */
  label?: string;
  createdAt?: string;
}

const PREFIX: Record<Role, string> = { viewer: 'hrv_', admin: 'hra_', scrape: 'hrs_' };

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token for a role, and what to store for it. */
export function createToken(role: Role, label?: string): { token: string; stored: StoredToken } {
  const token = `${PREFIX[role]}${randomBytes(32).toString('base64url')}`;
  return { token, stored: { role, sha256: hashToken(token), ...(label ? { label } : {}), createdAt: new Date().toISOString() } };
}

/** Verifies presented tokens against the stored hashes (and an optional plain admin token from `--token`). */
export function createTokenStore(stored: readonly StoredToken[], plainAdminToken?: string | null) {
  const entries = stored.map((t) => ({ role: t.role, hash: Buffer.from(t.sha256, 'hex') }));
  if (plainAdminToken) entries.push({ role: 'admin', hash: Buffer.from(hashToken(plainAdminToken), 'hex') });
  return {
    /** True when the server requires a token at all. */
    required: entries.length > 0,
    /** The role of a presented token, or null. Every stored hash is compared (constant time). */
    roleOf(given: string | null | undefined): Role | null {
      if (!given || given.length > 512) return null;
      const h = Buffer.from(hashToken(given), 'hex');
      let found: Role | null = null;
      for (const e of entries) if (e.hash.length === h.length && timingSafeEqual(e.hash, h) && found === null) found = e.role;
      return found;
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;

/** Whether a role may do what `needed` requires. */
export function roleAllows(role: Role, needed: 'metrics' | 'read' | 'admin'): boolean {
  if (needed === 'admin') return role === 'admin';
  if (needed === 'read') return role === 'admin' || role === 'viewer';
  return true;
}
