/**
 * Audit hash chain, shared by both adapters: hash(n) = SHA-256 over prevHash and a canonical JSON
 * of entry n's fields. Changing any stored field of any entry breaks verification from there on.
 */
import type { AuditEvent, AuditInput } from './types';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so the same entry always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function auditHash(seq: number, prevHash: string, e: AuditInput): string {
  const body = canonicalJson({ seq, prevHash, at: e.at, actorId: e.actorId, action: e.action, target: e.target, origin: e.origin, details: e.details });
  return new Bun.CryptoHasher('sha256').update(body).digest('hex');
}

export function chainEntry(seq: number, prevHash: string, e: AuditInput): AuditEvent {
  return { ...e, seq, prevHash, hash: auditHash(seq, prevHash, e) };
}

export type ChainCheck = { ok: true; count: number } | { ok: false; count: number; brokenAt: number; reason: string };

/** Verifies a chain given in seq order starting at 1 (or continuing from `prev`). */
export function verifyChain(entries: Iterable<AuditEvent>, prev = { seq: 0, hash: GENESIS_HASH }): ChainCheck {
  let { seq, hash } = prev;
  let count = 0;
  for (const e of entries) {
    count++;
    if (e.seq !== seq + 1) return { ok: false, count, brokenAt: e.seq, reason: `expected entry ${seq + 1}, found ${e.seq}` };
    if (e.prevHash !== hash) return { ok: false, count, brokenAt: e.seq, reason: 'link to the previous entry does not match' };
    if (auditHash(e.seq, e.prevHash, e) !== e.hash) return { ok: false, count, brokenAt: e.seq, reason: 'entry content does not match its hash' };
    seq = e.seq;
    hash = e.hash;
  }
  return { ok: true, count };
}
