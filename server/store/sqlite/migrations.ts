/**
 * SQLite schema, applied in order. `PRAGMA user_version` records how many have run; a migration
 * is never edited once committed: add a new one.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     email_lower TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     date_of_birth TEXT,
     minor_override INTEGER,
     matric_no TEXT,
     status TEXT NOT NULL,
     password_hash TEXT,
     must_set_password INTEGER NOT NULL DEFAULT 0,
     login_code_hash TEXT,
     login_code_expires_at INTEGER,
     permissions TEXT NOT NULL DEFAULT '[]',
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX users_role ON users(role, email_lower);
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     ip TEXT,
     user_agent TEXT
   );
   CREATE INDEX sessions_user ON sessions(user_id);
   CREATE INDEX sessions_expiry ON sessions(expires_at);
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     actor_id TEXT,
     action TEXT NOT NULL,
     target TEXT,
     origin TEXT,
     details TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );
   CREATE INDEX audit_action ON audit(action, seq);`,

  // 2: chat. `rooms.last_seq` is the per-room change counter (see the sequencing comment in
  // types.ts). `messages.n` is an explicit INTEGER PRIMARY KEY because the FTS5 index refers to
  // rows by rowid, and VACUUM may renumber implicit rowids. The FTS table is external-content
  // (it stores only the index, bodies live in `messages`) and the triggers keep it in sync; a
  // delete tombstones the body to '', which has no tokens, so deleted messages leave the index.
  `CREATE TABLE rooms (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     code TEXT UNIQUE,
     name TEXT NOT NULL,
     topic TEXT NOT NULL DEFAULT '',
     created_by TEXT,
     created_at INTEGER NOT NULL,
     archived INTEGER NOT NULL DEFAULT 0,
     dm_key TEXT UNIQUE,
     last_seq INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX rooms_kind_code ON rooms(kind, code);
   CREATE TABLE memberships (
     room_id TEXT NOT NULL REFERENCES rooms(id),
     user_id TEXT NOT NULL,
     role TEXT NOT NULL,
     joined_at INTEGER NOT NULL,
     last_read_seq INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (room_id, user_id)
   ) WITHOUT ROWID;
   CREATE INDEX memberships_user ON memberships(user_id, room_id);
   CREATE TABLE messages (
     n INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     room_id TEXT NOT NULL REFERENCES rooms(id),
     seq INTEGER NOT NULL,
     rev INTEGER NOT NULL,
     sender_id TEXT NOT NULL,
     client_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     body TEXT NOT NULL,
     mentions TEXT NOT NULL DEFAULT '[]',
     meta TEXT,
     created_at INTEGER NOT NULL,
     edited_at INTEGER,
     deleted_at INTEGER,
     deleted_by TEXT,
     UNIQUE (room_id, seq),
     UNIQUE (room_id, sender_id, client_id)
   );
   CREATE INDEX messages_rev ON messages(room_id, rev);
   CREATE VIRTUAL TABLE messages_fts USING fts5(
     body, content = 'messages', content_rowid = 'n', tokenize = 'unicode61 remove_diacritics 2'
   );
   CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
     INSERT INTO messages_fts (rowid, body) VALUES (new.n, new.body);
   END;
   CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
     INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.n, old.body);
   END;
   CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
     INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.n, old.body);
     INSERT INTO messages_fts (rowid, body) VALUES (new.n, new.body);
   END;`,
  // 3: files. Bytes live on disk (DATA_DIR/uploads while unfinished, DATA_DIR/files once stored);
  // these tables hold the metadata. (user, room, sha256, size, name) finds an unfinished upload again.
  `CREATE TABLE uploads (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     room_id TEXT NOT NULL,
     name TEXT NOT NULL,
     size INTEGER NOT NULL,
     type TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     received INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     UNIQUE (user_id, room_id, sha256, size, name)
   );
   CREATE INDEX uploads_updated ON uploads(updated_at);
   CREATE INDEX uploads_room ON uploads(room_id);
   CREATE TABLE files (
     id TEXT PRIMARY KEY,
     room_id TEXT NOT NULL,
     uploader_id TEXT NOT NULL,
     name TEXT NOT NULL,
     size INTEGER NOT NULL,
     type TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     message_id TEXT
   );
   CREATE INDEX files_room ON files(room_id);
   CREATE INDEX files_uploader ON files(uploader_id);`,
  // 4: safeguarding. `messages.held`: stored but shown only to the sender until released.
  // moderation_cases: one row per automated flag; decided at most once.
  `ALTER TABLE messages ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE moderation_cases (
     id TEXT PRIMARY KEY,
     room_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     sender_id TEXT NOT NULL,
     labels TEXT NOT NULL,
     scores TEXT NOT NULL,
     text TEXT NOT NULL,
     model_version TEXT NOT NULL,
     severity TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     decided_by TEXT,
     decided_at INTEGER,
     decision TEXT,
     reason TEXT
   );
   CREATE INDEX moderation_cases_status ON moderation_cases(status, created_at);
   CREATE INDEX moderation_cases_message ON moderation_cases(message_id);`,
  // 5: the fair-hearing process. Cases remember whether a minor was on the receiving end (for
  // automatic restriction); sanctions are what was done to an account or room, with its hearing.
  `ALTER TABLE moderation_cases ADD COLUMN towards_minor INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX moderation_cases_sender ON moderation_cases(sender_id, created_at);
   CREATE TABLE sanctions (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     user_id TEXT,
     room_id TEXT,
     case_ids TEXT NOT NULL,
     clause TEXT NOT NULL,
     reason TEXT NOT NULL,
     evidence TEXT NOT NULL,
     actor_id TEXT,
     created_at INTEGER NOT NULL,
     deadline INTEGER NOT NULL,
     statement TEXT,
     statement_by TEXT,
     statement_at INTEGER,
     status TEXT NOT NULL,
     decided_by TEXT,
     decided_at INTEGER,
     decision_reason TEXT
   );
   CREATE INDEX sanctions_user ON sanctions(user_id, status);
   CREATE INDEX sanctions_room ON sanctions(room_id, status);
   CREATE INDEX sanctions_status ON sanctions(status, created_at);`,
  // 6: one sanction in force per slot (types-cases.ts sanctionSlot), enforced here rather than by
  // a lock in one process. Existing sanctions in force take their slot, the newest of each first.
  `ALTER TABLE sanctions ADD COLUMN slot TEXT;
   UPDATE sanctions SET slot = CASE kind WHEN 'freeze' THEN 'freeze:' || room_id ELSE kind || ':' || user_id END
     WHERE kind != 'removal' AND status IN ('active', 'appealed', 'upheld')
       AND id = (SELECT s2.id FROM sanctions s2 WHERE s2.kind = sanctions.kind AND s2.status IN ('active', 'appealed', 'upheld')
                 AND (CASE s2.kind WHEN 'freeze' THEN s2.room_id ELSE s2.user_id END) = (CASE sanctions.kind WHEN 'freeze' THEN sanctions.room_id ELSE sanctions.user_id END)
                 ORDER BY s2.created_at DESC, s2.rowid DESC LIMIT 1);
   CREATE UNIQUE INDEX sanctions_slot ON sanctions(slot);`,
  // 7: image previews (a few KB each, made by the uploader's browser), kept beside the file row.
  `CREATE TABLE file_thumbs (
     file_id TEXT PRIMARY KEY,
     bytes BLOB NOT NULL
   );`,
  // 8: the labels an officer judged a case's message to carry (JSON array; NULL = not asked).
  `ALTER TABLE moderation_cases ADD COLUMN judged_labels TEXT;`,
  // 9: the rev of the change that hid a held message (types-chat.ts heldRev). Held rows from before
  // take their current rev: replay keeps treating them as it did (hidden at their last change).
  `ALTER TABLE messages ADD COLUMN held_rev INTEGER;
   UPDATE messages SET held_rev = rev WHERE held = 1;`,
  // 10: when a room's last visible message was sent (the order of listForUser, types-chat.ts).
  `ALTER TABLE rooms ADD COLUMN last_at INTEGER NOT NULL DEFAULT 0;
   UPDATE rooms SET last_at = COALESCE((SELECT MAX(created_at) FROM messages WHERE room_id = rooms.id AND held = 0), created_at);`,
  // 11: audit entries by target (a user's page lists the latest about them; the audit log filters by it).
  `CREATE INDEX audit_target ON audit(target, seq);`,
  // 12: a course code belongs to one live room; an archived room keeps its code in archived_code, so
  // next session's room can take it (HED204 every year). `code` stays the unique live code.
  `ALTER TABLE rooms ADD COLUMN archived_code TEXT;
   UPDATE rooms SET archived_code = code, code = NULL WHERE archived = 1 AND code IS NOT NULL;
   CREATE INDEX rooms_archived_code ON rooms(archived_code);`,
  // 13: emails about missed messages (types-mail.ts): who is queued for which room, and each person's state.
  `CREATE TABLE mail_queue (
     user_id TEXT NOT NULL,
     room_id TEXT NOT NULL,
     due_at INTEGER NOT NULL,
     from_seq INTEGER NOT NULL,
     PRIMARY KEY (user_id, room_id)
   ) WITHOUT ROWID;
   CREATE INDEX mail_queue_due ON mail_queue(due_at);
   CREATE TABLE mail_state (
     user_id TEXT PRIMARY KEY,
     last_seen_at INTEGER,
     off INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;`,
  // 14: replies (types-chat.ts replyTo): the message of the same room a message answers.
  `ALTER TABLE messages ADD COLUMN reply_to TEXT;`,
  // 15: reactions (types-chat.ts react): one row per message, person and emoji.
  `CREATE TABLE reactions (
     message_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     emoji TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (message_id, user_id, emoji)
   ) WITHOUT ROWID;
   CREATE TABLE reaction_marks (
     message_id TEXT PRIMARY KEY,
     room_id TEXT NOT NULL,
     at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX reaction_marks_room ON reaction_marks(room_id, at);`,
  // 16: lecture attendance (types-lectures.ts): lectures, each seat's time in one, who was turned away (full).
  `CREATE TABLE lectures (
     id TEXT PRIMARY KEY,
     room_id TEXT NOT NULL,
     started_by TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     last_at INTEGER NOT NULL,
     ended_at INTEGER
   ) WITHOUT ROWID;
   CREATE INDEX lectures_room ON lectures(room_id, started_at);
   CREATE TABLE lecture_seats (
     lecture_id TEXT NOT NULL,
     seat_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     from_at INTEGER NOT NULL,
     to_at INTEGER NOT NULL,
     PRIMARY KEY (lecture_id, seat_id)
   ) WITHOUT ROWID;
   CREATE TABLE lecture_refusals (
     lecture_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (lecture_id, user_id)
   ) WITHOUT ROWID;`,
  // 17: pinned messages (types-pins.ts).
  `CREATE TABLE pins (
     room_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     pinned_by TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (room_id, message_id)
   ) WITHOUT ROWID;`,
  // 18: polls (types-polls.ts): a row per poll once voted in or closed, and one per choice.
  `CREATE TABLE polls (
     room_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     closed_at INTEGER,
     closed_by TEXT,
     changed_at INTEGER NOT NULL,
     PRIMARY KEY (room_id, message_id)
   ) WITHOUT ROWID;
   CREATE INDEX polls_changed ON polls(room_id, changed_at);
   CREATE TABLE poll_votes (
     room_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     option INTEGER NOT NULL,
     PRIMARY KEY (room_id, message_id, user_id, option)
   ) WITHOUT ROWID;`,
  // 19: announcements-only rooms (types-chat.ts Room.announcementsOnly).
  `ALTER TABLE rooms ADD COLUMN announcements_only INTEGER NOT NULL DEFAULT 0;`,
];
