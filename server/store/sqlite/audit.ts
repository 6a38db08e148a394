import type { Database } from 'bun:sqlite';
import { GENESIS_HASH, chainEntry } from '../audit-chain';
import type { AuditEvent, AuditFilter, AuditInput, AuditStore } from '../types';

interface Row {
  seq: number;
  at: number;
  actor_id: string | null;
  action: string;
  target: string | null;
  origin: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

const toEvent = (r: Row): AuditEvent => ({
  seq: r.seq,
  at: r.at,
  actorId: r.actor_id,
  action: r.action,
  target: r.target,
  origin: r.origin,
  details: JSON.parse(r.details),
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** The filter's conditions (limit and order aside) as a WHERE clause and its arguments. */
function auditWhere(f: AuditFilter): { sql: string; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (f.action !== undefined) (where.push('action = ?'), args.push(f.action));
  if (f.actorId !== undefined) (where.push('actor_id = ?'), args.push(f.actorId));
  if (typeof f.target === 'string') (where.push('target = ?'), args.push(f.target));
  else if (f.target) (where.push(f.target.length ? `target IN (${f.target.map(() => '?').join(',')})` : '0'), args.push(...f.target));
  if (f.since !== undefined) (where.push('at >= ?'), args.push(f.since));
  if (f.until !== undefined) (where.push('at < ?'), args.push(f.until));
  if (f.afterSeq !== undefined) (where.push('seq > ?'), args.push(f.afterSeq));
  if (f.beforeSeq !== undefined) (where.push('seq < ?'), args.push(f.beforeSeq));
  return { sql: where.length ? 'WHERE ' + where.join(' AND ') : '', args };
}

export class SqliteAudit implements AuditStore {
  constructor(private db: Database) {}

  async append(input: AuditInput) {
    // IMMEDIATE takes the write lock before reading the tail, so two processes cannot both
    // chain onto the same previous entry.
    return this.db
      .transaction(() => {
        const last = this.db.query('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | null;
        const e = chainEntry((last?.seq ?? 0) + 1, last?.hash ?? GENESIS_HASH, input);
        this.db
          .query('INSERT INTO audit (seq, at, actor_id, action, target, origin, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(e.seq, e.at, e.actorId, e.action, e.target, e.origin, JSON.stringify(e.details), e.prevHash, e.hash);
        return e;
      })
      .immediate();
  }

  async list(f: AuditFilter = {}) {
    const { sql: where, args } = auditWhere(f);
    args.push(f.limit ?? 1000);
    return (this.db.query(`SELECT * FROM audit ${where} ORDER BY seq ${f.newestFirst ? 'DESC' : ''} LIMIT ?`).all(...args) as Row[]).map(toEvent);
  }

  async count(f: AuditFilter = {}) {
    const { sql: where, args } = auditWhere(f);
    return (this.db.query(`SELECT COUNT(*) AS n FROM audit ${where}`).get(...args) as { n: number }).n;
  }
}
