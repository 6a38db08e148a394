import { describe, expect, test } from 'bun:test';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import { CLI_ACTOR, recordAudit } from '../audit/record';
import { toFilter } from './audit';

describe('audit log: a course code as the target', () => {
  test("finds last session's archived HED204 and this session's together", async () => {
    const store = createSqliteStore(null);
    const mk = (name: string, createdAt: number) => store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'HED204', name, topic: '', createdBy: null, dmKey: null, createdAt }, []);
    const old = await mk('2025/26', 1000);
    await recordAudit(store, CLI_ACTOR, 'room.add_members', old.id, { count: 1, userIds: ['minor-1'] });
    await store.rooms.update(old.id, { archived: true });
    const fresh = await mk('2026/27', 2000);
    await recordAudit(store, CLI_ACTOR, 'room.add_members', fresh.id, { count: 1, userIds: ['student-2'] });
    const before = await toFilter(store, { target: 'HED204' }, 'Africa/Lagos');
    const found = await store.audit.list(before.filter);
    // An officer asking "who was ever added to HED204?" must see last session's additions too.
    expect(found.map((e) => e.target)).toEqual([old.id, fresh.id]);
  });
});
