/**
 * Messages on bun:sqlite. Every write that takes a number from the room counter (append, edit,
 * delete) is one synchronous IMMEDIATE transaction: the write lock is held from the idempotency
 * or existence check through `last_seq + 1` to the row write, so two writers (even two
 * processes) can never take the same number, and a change is visible exactly when its number is.
 */
import { newMessage } from '../new-message';
import type { Database } from 'bun:sqlite';
import { CLASS_MENTION, NotFoundStoreError, type AppendMessage, type Message, type MessageStore, type ReactionCount } from '../types';

interface Row {
  id: string;
  room_id: string;
  seq: number;
  rev: number;
  sender_id: string;
  client_id: string;
  kind: Message['kind'];
  body: string;
  mentions: string;
  meta: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  deleted_by: string | null;
  held: number;
  held_rev: number | null;
  reply_to: string | null;
}

const toMessage = (r: Row): Message => ({
  id: r.id,
  roomId: r.room_id,
  seq: r.seq,
  rev: r.rev,
  senderId: r.sender_id,
  clientId: r.client_id,
  kind: r.kind,
  body: r.body,
  mentions: JSON.parse(r.mentions),
  meta: r.meta === null ? null : JSON.parse(r.meta),
  createdAt: r.created_at,
  editedAt: r.edited_at,
  deletedAt: r.deleted_at,
  deletedBy: r.deleted_by,
  held: r.held === 1,
  heldRev: r.held === 1 ? r.held_rev : null,
  replyTo: r.reply_to,
});

/** Explicit column list: `SELECT *` would also return the internal rowid column `n`. */
const COLS = 'id, room_id, seq, rev, sender_id, client_id, kind, body, mentions, meta, created_at, edited_at, deleted_at, deleted_by, held, held_rev, reply_to';

/**
 * Turns user input into an FTS5 query that cannot be a syntax error: only runs of letters and
 * digits survive (the same split the unicode61 tokenizer makes), each becomes a quoted prefix
 * term `"word"*`, and FTS5 ANDs adjacent terms. Operators typed by the user (OR, NOT, NEAR,
 * quotes, parentheses, `*`, `:`, `^`) are thereby plain words or dropped.
 */
export function ftsQuery(query: string): string | null {
  const words = (query.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
}

export class SqliteMessages implements MessageStore {
  constructor(private db: Database) {}

  /** A message sent at `at` became visible in the room: the room list's order (rooms.last_at) moves up to it. */
  private seenAt(roomId: string, at: number) {
    this.db.query('UPDATE rooms SET last_at = MAX(last_at, ?) WHERE id = ?').run(at, roomId);
  }

  /** Takes the room's next number; must run inside the caller's write transaction. */
  private nextSeq(roomId: string): number | null {
    const r = this.db.query('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq').get(roomId) as { last_seq: number } | null;
    return r ? r.last_seq : null;
  }

  private get(roomId: string, id: string) {
    const r = this.db.query(`SELECT ${COLS} FROM messages WHERE id = ? AND room_id = ?`).get(id, roomId) as Row | null;
    return r ? toMessage(r) : null;
  }

  async append(m: AppendMessage) {
    return this.db
      .transaction(() => {
        const existing = this.db
          .query(`SELECT ${COLS} FROM messages WHERE room_id = ? AND sender_id = ? AND client_id = ?`)
          .get(m.roomId, m.senderId, m.clientId) as Row | null;
        if (existing) return { message: toMessage(existing), created: false };
        const seq = this.nextSeq(m.roomId);
        if (seq === null) throw new NotFoundStoreError(`room ${m.roomId}`);
        const message = newMessage(m, seq);
        this.db
          .query(`INSERT INTO messages (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?, ?)`)
          .run(
            message.id, m.roomId, seq, seq, m.senderId, m.clientId, m.kind, m.body,
            JSON.stringify(m.mentions), message.meta === null ? null : JSON.stringify(message.meta), message.createdAt, message.held ? 1 : 0, message.heldRev, message.replyTo,
          );
        if (!message.held) this.seenAt(m.roomId, message.createdAt);
        return { message, created: true };
      })
      .immediate();
  }

  /** Applies `set` to a live (not deleted) message under a fresh rev; null if missing or deleted. */
  private change(roomId: string, messageId: string, set: string, args: (string | number | null)[], evenDeleted = false) {
    return this.db
      .transaction(() => {
        const live = this.db.query(`SELECT 1 FROM messages WHERE id = ? AND room_id = ?${evenDeleted ? '' : ' AND deleted_at IS NULL'}`).get(messageId, roomId);
        if (!live) return null;
        const rev = this.nextSeq(roomId)!; // the message exists, so its room does
        this.db.query(`UPDATE messages SET ${set}, rev = ? WHERE id = ?`).run(...args, rev, messageId);
        // Hidden by this change → its rev; already held → unchanged; shown → none (types-chat.ts heldRev).
        this.db.query('UPDATE messages SET held_rev = CASE WHEN held = 0 THEN NULL ELSE COALESCE(held_rev, rev) END WHERE id = ?').run(messageId);
        return this.get(roomId, messageId);
      })
      .immediate();
  }

  async edit(roomId: string, messageId: string, body: string, mentions: string[], now = Date.now(), opts: { hold?: boolean } = {}) {
    return this.change(roomId, messageId, `body = ?, mentions = ?, edited_at = ?${opts.hold ? ', held = 1' : ''}`, [body, JSON.stringify(mentions), now]);
  }

  async delete(roomId: string, messageId: string, deletedBy: string, now = Date.now()) {
    // The body trigger drops the old text from the FTS index.
    const m = this.change(roomId, messageId, "body = '', mentions = '[]', deleted_at = ?, deleted_by = ?", [now, deletedBy]);
    // Who reacted to it goes with it (react refuses a deleted message, so none come after).
    if (m) this.db.query('DELETE FROM reactions WHERE message_id = ?').run(messageId);
    return m;
  }

  async setHeld(roomId: string, messageId: string, held: boolean) {
    const m = await this.change(roomId, messageId, 'held = ?', [held ? 1 : 0], true);
    // Released: now a message everyone sees, so it counts for the room list's order (listForUser).
    if (m && !held && !m.deletedAt) this.seenAt(roomId, m.createdAt);
    return m;
  }

  async byId(roomId: string, messageId: string) {
    return this.get(roomId, messageId);
  }

  async byClientId(roomId: string, senderId: string, clientId: string) {
    const r = this.db.query(`SELECT ${COLS} FROM messages WHERE room_id = ? AND sender_id = ? AND client_id = ?`).get(roomId, senderId, clientId) as Row | null;
    return r ? toMessage(r) : null;
  }

  async react(roomId: string, messageId: string, userId: string, emoji: string, on: boolean, now = Date.now()) {
    return this.db
      .transaction(() => {
        if (!this.db.query('SELECT 1 FROM messages WHERE id = ? AND room_id = ? AND deleted_at IS NULL').get(messageId, roomId)) return false;
        const changed = on
          ? this.db.query('INSERT OR IGNORE INTO reactions (message_id, user_id, emoji, at) VALUES (?, ?, ?, ?)').run(messageId, userId, emoji, now).changes
          : this.db.query('DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?').run(messageId, userId, emoji).changes;
        if (changed) this.db.query('INSERT INTO reaction_marks (message_id, room_id, at) VALUES (?, ?, ?) ON CONFLICT (message_id) DO UPDATE SET at = MAX(at, excluded.at)').run(messageId, roomId, now);
        return changed > 0;
      })
      .immediate();
  }

  async reactionsChangedSince(roomId: string, since: number, limit: number) {
    return (this.db.query('SELECT message_id FROM reaction_marks WHERE room_id = ? AND at > ? ORDER BY at LIMIT ?').all(roomId, since, limit) as { message_id: string }[]).map((r) => r.message_id);
  }

  async reactions(roomId: string, messageIds: readonly string[], viewerId?: string) {
    const out = new Map<string, ReactionCount[]>();
    if (!messageIds.length) return out;
    // Only this room's messages: an id from elsewhere counts nothing.
    const rows = this.db
      .query(
        `SELECT r.message_id, r.emoji, COUNT(*) AS n, MAX(r.user_id = ?) AS mine, MIN(r.at) AS first
         FROM reactions r JOIN messages m ON m.id = r.message_id
         WHERE m.room_id = ? AND r.message_id IN (SELECT value FROM json_each(?))
         GROUP BY r.message_id, r.emoji ORDER BY first`,
      )
      .all(viewerId ?? null, roomId, JSON.stringify(messageIds)) as { message_id: string; emoji: string; n: number; mine: number }[];
    for (const r of rows) (out.get(r.message_id) ?? out.set(r.message_id, []).get(r.message_id)!).push({ emoji: r.emoji, count: r.n, mine: r.mine === 1 });
    return out;
  }

  async history(roomId: string, opts: { beforeSeq?: number; afterSeq?: number; limit: number; viewerId?: string }) {
    if (opts.afterSeq !== undefined) {
      const after = this.db
        .query(`SELECT ${COLS} FROM messages WHERE room_id = ? AND seq > ? AND (held = 0 OR sender_id = ?) ORDER BY seq LIMIT ?`)
        .all(roomId, opts.afterSeq, opts.viewerId ?? null, opts.limit) as Row[];
      return after.map(toMessage);
    }
    const rows = this.db
      .query(`SELECT ${COLS} FROM messages WHERE room_id = ? AND seq < ? AND (held = 0 OR sender_id = ?) ORDER BY seq DESC LIMIT ?`)
      .all(roomId, opts.beforeSeq ?? Number.MAX_SAFE_INTEGER, opts.viewerId ?? null, opts.limit) as Row[];
    return rows.reverse().map(toMessage);
  }

  /** A number and its write are one transaction here, so every number up to lastSeq is visible. */
  async settledSeq(roomId: string) {
    const r = this.db.query('SELECT last_seq FROM rooms WHERE id = ?').get(roomId) as { last_seq: number } | null;
    return r?.last_seq ?? 0;
  }

  async changesSince(roomId: string, rev: number, limit: number, viewerId?: string, opts: { withHeld?: boolean } = {}) {
    const rows = this.db
      .query(`SELECT ${COLS} FROM messages WHERE room_id = ? AND rev > ? AND (held = 0 OR sender_id = ? OR ?) ORDER BY rev LIMIT ?`)
      .all(roomId, rev, viewerId ?? null, opts.withHeld ? 1 : 0, limit) as Row[];
    return rows.map(toMessage);
  }

  async unread(roomId: string, userId: string, afterSeq: number, joinedAt = 0) {
    const r = this.db
      .query(
        `SELECT count(*) AS count,
                coalesce(sum(EXISTS (SELECT 1 FROM json_each(mentions) WHERE value = ? OR (value = ? AND created_at >= ?))), 0) AS mentions
         FROM messages WHERE room_id = ? AND seq > ? AND deleted_at IS NULL AND held = 0 AND sender_id <> ?`,
      )
      .get(userId, CLASS_MENTION, joinedAt, roomId, afterSeq, userId) as { count: number; mentions: number };
    return { count: r.count, mentions: r.mentions };
  }

  async search(roomIds: string[], query: string, limit: number) {
    const match = ftsQuery(query);
    if (match === null || roomIds.length === 0) return [];
    // Room ids travel as one JSON parameter: no limit on how many rooms a user searches.
    const rows = this.db
      .query(
        `SELECT ${COLS.split(', ').map((c) => 'm.' + c).join(', ')}
         FROM messages_fts f JOIN messages m ON m.n = f.rowid
         WHERE messages_fts MATCH ? AND m.room_id IN (SELECT value FROM json_each(?)) AND m.deleted_at IS NULL AND m.held = 0
         ORDER BY m.created_at DESC, m.n DESC LIMIT ?`,
      )
      .all(match, JSON.stringify(roomIds), limit) as Row[];
    return rows.map(toMessage);
  }
}
