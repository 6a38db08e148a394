import type { Database } from 'bun:sqlite';
import { DuplicateRoomError, NotFoundStoreError, type Membership, type NewRoom, type Room, type RoomKind, type RoomPatch, type RoomRole, type RoomStore } from '../types';

interface RoomRow {
  id: string;
  kind: Room['kind'];
  /** The live code: unique, NULL once archived (migration 12). */
  code: string | null;
  archived_code: string | null;
  name: string;
  topic: string;
  created_by: string | null;
  created_at: number;
  archived: number;
  announcements_only: number;
  dm_key: string | null;
  last_seq: number;
}

interface MemberRow {
  room_id: string;
  user_id: string;
  role: RoomRole;
  joined_at: number;
  last_read_seq: number;
}

const toRoom = (r: RoomRow): Room => ({
  id: r.id,
  kind: r.kind,
  code: r.code ?? r.archived_code,
  name: r.name,
  topic: r.topic,
  createdBy: r.created_by,
  createdAt: r.created_at,
  archived: r.archived === 1,
  announcementsOnly: r.announcements_only === 1,
  dmKey: r.dm_key,
  lastSeq: r.last_seq,
});

const toMembership = (r: MemberRow): Membership => ({
  roomId: r.room_id,
  userId: r.user_id,
  role: r.role,
  joinedAt: r.joined_at,
  lastReadSeq: r.last_read_seq,
});

/** Prefixed column names so a joined row can carry both a room and a membership. */
const ROOM_COLS = 'r.id, r.kind, r.code, r.archived_code, r.name, r.topic, r.created_by, r.created_at, r.archived, r.dm_key, r.last_seq';
const INSERT_MEMBER = 'INSERT OR IGNORE INTO memberships (room_id, user_id, role, joined_at, last_read_seq) VALUES (?, ?, ?, ?, 0)';

export class SqliteRooms implements RoomStore {
  constructor(private db: Database) {}

  async create(room: NewRoom, members: { userId: string; role: RoomRole }[]) {
    const now = room.createdAt ?? Date.now();
    const code = room.code === null ? null : room.code.toUpperCase();
    try {
      // Room and members commit together; a duplicate member in the list is ignored (first wins).
      this.db
        .transaction(() => {
          this.db
            .query('INSERT INTO rooms (id, kind, code, name, topic, created_by, created_at, archived, dm_key, last_seq, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, 0, ?)')
            .run(room.id, room.kind, code, room.name, room.topic, room.createdBy, now, room.dmKey, now);
          const ins = this.db.query(INSERT_MEMBER);
          for (const m of members) ins.run(room.id, m.userId, m.role, now);
        })
        .immediate();
    } catch (e) {
      const msg = e instanceof Error ? e.message : '';
      if (/UNIQUE constraint failed: rooms\.code/.test(msg)) throw new DuplicateRoomError(code!);
      if (/UNIQUE constraint failed: rooms\.dm_key/.test(msg)) throw new DuplicateRoomError(room.dmKey!);
      if (/UNIQUE constraint failed: rooms\.id/.test(msg)) throw new DuplicateRoomError(room.id);
      throw e;
    }
    return (await this.byId(room.id))!;
  }

  private one(where: string, arg: string) {
    const r = this.db.query(`SELECT * FROM rooms WHERE ${where} = ?`).get(arg) as RoomRow | null;
    return r ? toRoom(r) : null;
  }

  async byId(id: string) {
    return this.one('id', id);
  }

  async byCode(code: string) {
    const c = code.toUpperCase();
    const r = this.db.query('SELECT * FROM rooms WHERE code = ? OR archived_code = ? ORDER BY archived, created_at DESC, id DESC LIMIT 1').get(c, c) as RoomRow | null;
    return r ? toRoom(r) : null;
  }

  async byDmKey(dmKey: string) {
    return this.one('dm_key', dmKey);
  }

  async update(id: string, patch: RoomPatch) {
    const sets: string[] = [];
    const args: (string | number)[] = [];
    if (patch.name !== undefined) (sets.push('name = ?'), args.push(patch.name));
    if (patch.topic !== undefined) (sets.push('topic = ?'), args.push(patch.topic));
    if (patch.announcementsOnly !== undefined) (sets.push('announcements_only = ?'), args.push(patch.announcementsOnly ? 1 : 0));
    // Archiving frees the code (kept in archived_code); restoring takes it back, unless a live room has it.
    if (patch.archived === true) sets.push('archived = 1', 'archived_code = COALESCE(code, archived_code)', 'code = NULL');
    if (patch.archived === false) sets.push('archived = 0', 'code = COALESCE(code, archived_code)', 'archived_code = NULL');
    if (sets.length === 0) return this.byId(id);
    let changes: number;
    try {
      changes = this.db.query(`UPDATE rooms SET ${sets.join(', ')} WHERE id = ?`).run(...args, id).changes;
    } catch (e) {
      if (/UNIQUE constraint failed: rooms\.code/.test(String((e as Error).message))) throw new DuplicateRoomError((await this.byId(id))?.code ?? id);
      throw e;
    }
    return changes === 0 ? null : this.byId(id);
  }

  async listCourses(opts: { includeArchived?: boolean } = {}) {
    const rows = this.db
      .query(`SELECT * FROM rooms WHERE kind = 'course' ${opts.includeArchived ? '' : 'AND archived = 0'} ORDER BY COALESCE(code, archived_code), archived, created_at DESC`)
      .all() as RoomRow[];
    return rows.map(toRoom);
  }

  async listForUser(userId: string) {
    // Ties on last_at fall back to id so the order is deterministic across adapters.
    const rows = this.db
      .query(
        `SELECT ${ROOM_COLS}, m.room_id, m.user_id, m.role, m.joined_at, m.last_read_seq
         FROM memberships m JOIN rooms r ON r.id = m.room_id
         WHERE m.user_id = ? ORDER BY r.archived, r.last_at DESC, r.id`,
      )
      .all(userId) as (RoomRow & MemberRow)[];
    return rows.map((r) => ({ room: toRoom(r), membership: toMembership(r) }));
  }

  /** Throws `NotFoundStoreError` when the room does not exist. */
  async addMembers(roomId: string, members: { userId: string; role: RoomRole }[]) {
    const now = Date.now();
    // INSERT OR IGNORE leaves existing members (and their role) alone; `changes` tells us which
    // rows were new. One transaction: one fsync for a whole course roster.
    return this.db
      .transaction(() => {
        if (!this.db.query('SELECT 1 FROM rooms WHERE id = ?').get(roomId)) throw new NotFoundStoreError(`room ${roomId}`);
        const ins = this.db.query(INSERT_MEMBER);
        const added: string[] = [];
        for (const m of members) if (ins.run(roomId, m.userId, m.role, now).changes === 1) added.push(m.userId);
        return added;
      })
      .immediate();
  }

  async removeMember(roomId: string, userId: string) {
    return this.db.query('DELETE FROM memberships WHERE room_id = ? AND user_id = ?').run(roomId, userId).changes === 1;
  }

  async setRole(roomId: string, userId: string, role: RoomRole) {
    return this.db.query('UPDATE memberships SET role = ? WHERE room_id = ? AND user_id = ?').run(role, roomId, userId).changes === 1;
  }

  async membership(roomId: string, userId: string) {
    const r = this.db.query('SELECT * FROM memberships WHERE room_id = ? AND user_id = ?').get(roomId, userId) as MemberRow | null;
    return r ? toMembership(r) : null;
  }

  async members(roomId: string) {
    const rows = this.db.query('SELECT * FROM memberships WHERE room_id = ? ORDER BY joined_at, user_id').all(roomId) as MemberRow[];
    return rows.map(toMembership);
  }

  async minorMembers(roomId: string, adultBornBy: string) {
    const rows = this.db
      .query(
        `SELECT m.user_id AS id FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.room_id = ? AND (u.minor_override = 1 OR (u.minor_override IS NULL AND u.date_of_birth > ?)) ORDER BY m.user_id`,
      )
      .all(roomId, adultBornBy) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async markRead(roomId: string, userId: string, seq: number) {
    // max() in the UPDATE itself: a stale markRead racing a newer one can never lower the value.
    const r = this.db
      .query('UPDATE memberships SET last_read_seq = max(last_read_seq, ?) WHERE room_id = ? AND user_id = ? RETURNING last_read_seq')
      .get(seq, roomId, userId) as { last_read_seq: number } | null;
    return r ? r.last_read_seq : null;
  }

  async shareRoom(userA: string, userB: string, kinds: RoomKind[]) {
    if (kinds.length === 0) return false;
    const r = this.db
      .query(
        `SELECT 1 FROM memberships a
         JOIN memberships b ON b.room_id = a.room_id AND b.user_id = ?
         JOIN rooms r ON r.id = a.room_id
         WHERE a.user_id = ? AND r.archived = 0 AND r.kind IN (SELECT value FROM json_each(?)) LIMIT 1`,
      )
      .get(userB, userA, JSON.stringify(kinds));
    return r !== null;
  }
}
