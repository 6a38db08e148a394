/** Moderation cases on bun:sqlite (see the safeguarding section of types.ts). */
import type { Database } from 'bun:sqlite';
import type { CaseDecisionInput, CaseFilter, CaseStatus, CaseStore, ModerationCase, NewCase } from '../types';

interface Row {
  id: string;
  room_id: string;
  message_id: string;
  sender_id: string;
  labels: string;
  scores: string;
  text: string;
  model_version: string;
  severity: ModerationCase['severity'];
  towards_minor: number;
  status: CaseStatus;
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
  decision: ModerationCase['decision'];
  reason: string | null;
  judged_labels: string | null;
}

const toCase = (r: Row): ModerationCase => ({
  id: r.id,
  roomId: r.room_id,
  messageId: r.message_id,
  senderId: r.sender_id,
  labels: JSON.parse(r.labels),
  scores: JSON.parse(r.scores),
  text: r.text,
  modelVersion: r.model_version,
  severity: r.severity,
  towardsMinor: r.towards_minor === 1,
  status: r.status,
  createdAt: r.created_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decision: r.decision,
  reason: r.reason,
  judgedLabels: r.judged_labels === null ? null : JSON.parse(r.judged_labels),
});

/** The CaseFilter's conditions; parameters ?1 status, ?2 sender, ?3 since, ?5 message, ?6 severity, ?7 label. */
const CASE_WHERE =
  '(?1 IS NULL OR status = ?1) AND (?2 IS NULL OR sender_id = ?2) AND (?5 IS NULL OR message_id = ?5) AND (?6 IS NULL OR severity = ?6) AND (?7 IS NULL OR EXISTS (SELECT 1 FROM json_each(labels) WHERE value = ?7)) AND created_at >= ?3';

export class SqliteCases implements CaseStore {
  constructor(private db: Database) {}

  async create(c: NewCase) {
    const row: ModerationCase = {
      id: crypto.randomUUID(),
      roomId: c.roomId,
      messageId: c.messageId,
      senderId: c.senderId,
      labels: c.labels,
      scores: c.scores,
      text: c.text,
      modelVersion: c.modelVersion,
      severity: c.severity,
      towardsMinor: c.towardsMinor,
      status: 'open',
      createdAt: c.now ?? Date.now(),
      decidedBy: null,
      decidedAt: null,
      decision: null,
      reason: null,
      judgedLabels: null,
    };
    this.db
      .query(
        `INSERT INTO moderation_cases (id, room_id, message_id, sender_id, labels, scores, text, model_version, severity, towards_minor, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
      )
      .run(row.id, row.roomId, row.messageId, row.senderId, JSON.stringify(row.labels), JSON.stringify(row.scores), row.text, row.modelVersion, row.severity, row.towardsMinor ? 1 : 0, row.createdAt);
    return row;
  }

  async byId(id: string) {
    const r = this.db.query('SELECT * FROM moderation_cases WHERE id = ?').get(id) as Row | null;
    return r ? toCase(r) : null;
  }

  async list(filter: CaseFilter = {}) {
    const order = filter.oldestFirst ? 'ASC' : 'DESC';
    const rows = this.db
      .query(`SELECT * FROM moderation_cases WHERE ${CASE_WHERE} ORDER BY created_at ${order}, rowid ${order} LIMIT ?4`)
      .all(filter.status ?? null, filter.senderId ?? null, filter.since ?? 0, filter.limit ?? 100, filter.messageId ?? null, filter.severity ?? null, filter.label ?? null) as Row[];
    return rows.map(toCase);
  }

  async addLabel(id: string, label: string) {
    // One statement: the label is added once however many reports arrive at once.
    const r = this.db
      .query(`UPDATE moderation_cases SET labels = json_insert(labels, '$[#]', ?1) WHERE id = ?2 AND status = 'open' AND NOT EXISTS (SELECT 1 FROM json_each(labels) WHERE value = ?1)`)
      .run(label, id);
    return r.changes === 1;
  }

  async count(filter: CaseFilter = {}) {
    const r = this.db
      .query(`SELECT COUNT(*) AS n FROM moderation_cases WHERE ${CASE_WHERE} AND ?4 IS NULL`)
      .get(filter.status ?? null, filter.senderId ?? null, filter.since ?? 0, null, filter.messageId ?? null, filter.severity ?? null, filter.label ?? null) as { n: number };
    return r.n;
  }

  async countHolds(senderId: string, since: number) {
    const r = this.db
      .query(`SELECT COUNT(*) AS n FROM moderation_cases WHERE sender_id = ? AND created_at >= ? AND severity = 'hold' AND towards_minor = 1 AND (decision IS NULL OR decision != 'release')`)
      .get(senderId, since) as { n: number };
    return r.n;
  }

  async decide(id: string, d: CaseDecisionInput) {
    // The status condition makes the decision single-shot: a second officer's update matches nothing.
    const r = this.db
      .query(
        `UPDATE moderation_cases SET status = 'decided', decided_by = ?, decided_at = ?, decision = ?, reason = ?, judged_labels = ?
         WHERE id = ? AND status = 'open' RETURNING *`,
      )
      .get(d.decidedBy, d.now ?? Date.now(), d.decision, d.reason, d.judgedLabels ? JSON.stringify(d.judgedLabels) : null, id) as Row | null;
    return r ? toCase(r) : null;
  }
}
