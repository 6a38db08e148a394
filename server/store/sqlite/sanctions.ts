/** Sanctions and their hearings on bun:sqlite (see the sanctions section of types-cases.ts). */
import type { Database } from 'bun:sqlite';
import { DuplicateSanctionError, SANCTION_IN_FORCE, sanctionSlot, type NewSanction, type Sanction, type SanctionFilter, type SanctionPatch, type SanctionStatus, type SanctionStore } from '../types';

interface Row {
  id: string;
  slot?: string | null;
  kind: Sanction['kind'];
  user_id: string | null;
  room_id: string | null;
  case_ids: string;
  clause: string;
  reason: string;
  evidence: string;
  actor_id: string | null;
  created_at: number;
  deadline: number;
  statement: string | null;
  statement_by: string | null;
  statement_at: number | null;
  status: SanctionStatus;
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
}

const toSanction = (r: Row): Sanction => ({
  id: r.id,
  kind: r.kind,
  userId: r.user_id,
  roomId: r.room_id,
  caseIds: JSON.parse(r.case_ids),
  clause: r.clause,
  reason: r.reason,
  evidence: r.evidence,
  actorId: r.actor_id,
  createdAt: r.created_at,
  deadline: r.deadline,
  statement: r.statement,
  statementBy: r.statement_by,
  statementAt: r.statement_at,
  status: r.status,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionReason: r.decision_reason,
});

/** Patch field → column. */
const COLUMNS: Record<keyof SanctionPatch, string> = {
  status: 'status',
  statement: 'statement',
  statementBy: 'statement_by',
  statementAt: 'statement_at',
  decidedBy: 'decided_by',
  decidedAt: 'decided_at',
  decisionReason: 'decision_reason',
};

export class SqliteSanctions implements SanctionStore {
  constructor(private db: Database) {}

  async create({ now, ...s }: NewSanction) {
    const row: Sanction = { id: crypto.randomUUID(), ...s, createdAt: now ?? Date.now(), statement: null, statementBy: null, statementAt: null, status: 'active', decidedBy: null, decidedAt: null, decisionReason: null };
    const slot = sanctionSlot(row);
    try {
      this.db
        .query(
          `INSERT INTO sanctions (id, kind, user_id, room_id, case_ids, clause, reason, evidence, actor_id, created_at, deadline, status, slot)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)`,
        )
        .run(row.id, row.kind, row.userId, row.roomId, JSON.stringify(row.caseIds), row.clause, row.reason, row.evidence, row.actorId, row.createdAt, row.deadline, slot);
    } catch (e) {
      if (slot && String((e as Error).message).includes('UNIQUE constraint failed: sanctions.slot')) throw new DuplicateSanctionError(slot);
      throw e;
    }
    return row;
  }

  async byId(id: string) {
    const r = this.db.query('SELECT * FROM sanctions WHERE id = ?').get(id) as Row | null;
    return r ? toSanction(r) : null;
  }

  async list(f: SanctionFilter = {}) {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const within = (col: string, values: string[] | undefined) => {
      if (!values) return;
      if (!values.length) return void where.push('0');
      where.push(`${col} IN (${values.map(() => '?').join(', ')})`);
      args.push(...values);
    };
    within('status', f.status);
    within('kind', f.kind);
    if (f.userId !== undefined) (where.push('user_id = ?'), args.push(f.userId));
    if (f.roomId !== undefined) (where.push('room_id = ?'), args.push(f.roomId));
    within('room_id', f.roomIds);
    const sql = `SELECT * FROM sanctions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.db.query(sql).all(...args, f.limit ?? 100) as Row[]).map(toSanction);
  }

  async transition(id: string, from: SanctionStatus[], patch: SanctionPatch) {
    const keys = Object.keys(patch) as (keyof SanctionPatch)[];
    if (!keys.length || !from.length) return null;
    // The status condition makes each transition single-shot; leaving force frees the slot.
    const frees = patch.status !== undefined && !SANCTION_IN_FORCE.includes(patch.status);
    const r = this.db
      .query(`UPDATE sanctions SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(', ')}${frees ? ', slot = NULL' : ''} WHERE id = ? AND status IN (${from.map(() => '?').join(', ')}) RETURNING *`)
      .get(...keys.map((k) => patch[k] ?? null), id, ...from) as Row | null;
    return r ? toSanction(r) : null;
  }
}
