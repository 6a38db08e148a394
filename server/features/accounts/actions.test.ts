/** Account actions where two administrators act at the same moment. */
import { expect, test } from 'bun:test';
import { createSqliteStore } from '../../store/sqlite/sqlite';
import { makePerson } from '../../testing';
import { CLI_ACTOR } from '../audit/record';
import { setUserStatus, updateUser } from './actions';

async function twoAdmins() {
  const store = createSqliteStore(null);
  const a = await makePerson(store, 'ada@unilag.edu.ng', 'Ada', 'admin');
  const b = await makePerson(store, 'bayo@unilag.edu.ng', 'Bayo', 'admin');
  const as = (u: { id: string }) => ({ userId: u.id, origin: '10.0.0.1' });
  const admins = async () => (await store.users.list({ role: 'admin', status: 'active' })).map((u) => u.email).sort();
  return { store, a, b, as, admins };
}

test('two administrators demoting each other at the same moment leave an administrator; the refused one is told and not audited', async () => {
  const { store, a, b, as, admins } = await twoAdmins();
  const results = await Promise.allSettled([
    updateUser(store, b.id, { role: 'lecturer' }, as(a)),
    updateUser(store, a.id, { role: 'student' }, as(b)),
  ]);
  expect((await admins()).length).toBeGreaterThan(0);
  const refused = results.filter((r) => r.status === 'rejected');
  expect(refused.length).toBeGreaterThan(0);
  expect(String((refused[0] as PromiseRejectedResult).reason.message)).toContain('would leave no active administrator');
  const audited = (await store.audit.list({})).filter((e) => e.action === 'user.update').length;
  expect(audited).toBe(results.length - refused.length);
  // One at a time, the first demotion is fine (the actor stays an admin).
  await updateUser(store, b.id, { role: 'lecturer' }, as(a));
  expect(await admins()).toEqual(['ada@unilag.edu.ng']);
});

test('two administrators disabling each other at the same moment (or one demoting, one suspending) leave an administrator', async () => {
  for (const [x, y] of [['disable', 'disable'], ['demote', 'suspend']] as const) {
    const { store, a, b, as, admins } = await twoAdmins();
    const act = (kind: string, actor: { id: string }, target: { id: string; email: string }) =>
      kind === 'demote' ? updateUser(store, target.id, { role: 'student' }, as(actor)) : setUserStatus(store, target.email, kind === 'disable' ? 'disabled' : 'suspended', as(actor));
    const results = await Promise.allSettled([act(x, a, b), act(y, b, a)]);
    expect((await admins()).length).toBeGreaterThan(0);
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
  }
});

test('an undone edit restores every field it wrote, not only the role (never a minor administrator)', async () => {
  const { store, a, b, as, admins } = await twoAdmins();
  await Promise.allSettled([
    updateUser(store, b.id, { role: 'student', name: 'Bayo Renamed', dateOfBirth: '2012-01-01' }, as(a)),
    updateUser(store, a.id, { role: 'student' }, as(b)),
  ]);
  expect((await admins()).length).toBeGreaterThan(0);
  // In-process, both writes land before either counts: both are undone, whole.
  expect(await store.users.byId(b.id)).toMatchObject({ role: 'admin', name: 'Bayo', dateOfBirth: null });
});

test('the CLI cannot disable or demote the last active administrator, and says what to do', async () => {
  const store = createSqliteStore(null);
  const a = await makePerson(store, 'ada@unilag.edu.ng', 'Ada', 'admin');
  await expect(setUserStatus(store, a.email, 'disabled', CLI_ACTOR)).rejects.toThrow('is the last active administrator: create another first');
  await expect(updateUser(store, a.id, { role: 'lecturer' }, CLI_ACTOR)).rejects.toThrow('is the last active administrator');
  expect(await store.users.byId(a.id)).toMatchObject({ role: 'admin', status: 'active' });
  await makePerson(store, 'bayo@unilag.edu.ng', 'Bayo', 'admin');
  expect((await setUserStatus(store, a.email, 'disabled', CLI_ACTOR)).status).toBe('disabled');
});
