/** Safeguarding actions and appeals over HTTP: access, confirmation, validation, escaping, the hearing pages. */
import { describe, expect, test } from 'bun:test';
import { sendMessage } from '../chat/messages';
import { csrfOf, AdminClient, safeguardingCast } from './test-support';

const XSS = '<img src=x onerror=alert(1)>';

async function setUp() {
  const { t, admin, adult, adultUser, kid, officerP, room } = await safeguardingCast('course');
  await t.store.users.update(officerP.id, { permissions: ['safeguarding'] });
  const { message } = await sendMessage(t.app.chat, adultUser, { roomId: room.id, clientId: Bun.randomUUIDv7(), body: `HOLDME keep this between us ${XSS}` });
  const [c] = await t.store.cases.list();
  const officerPage = await officerP.client.get(`/admin/moderation/cases/${c!.id}`);
  const officer = new AdminClient(officerP, csrfOf(await officerPage.text()));
  return { t, admin, officer, adult, kid, room, message, caseId: c!.id };
}

describe('/admin/moderation/actions', () => {
  test('non-officers get 404 on every action path; the notice page is per person', async () => {
    const s = await setUp();
    const block = await s.admin.post(`/admin/moderation/cases/${s.caseId}/act`, { action: 'block', clause: 'SG-2', reason: 'Grooming', confirm: 'yes' });
    expect(block.status).toBe(303);
    const id = block.headers.get('location')!.match(/actions\/([^?]+)/)![1]!;
    for (const who of [s.adult, s.kid]) {
      for (const path of ['/admin/moderation/actions', `/admin/moderation/actions/${id}`]) expect((await who.client.get(path)).status).toBe(404);
      for (const path of [`/admin/moderation/actions/${id}/decide`, `/admin/moderation/actions/${id}/lift`, `/admin/moderation/cases/${s.caseId}/act`]) {
        expect((await who.client.post(path, { _csrf: 'x', outcome: 'overturn', action: 'block', clause: 'SG-2', reason: 'x', confirm: 'yes' })).status).toBe(404);
      }
    }
    // The minor has no notice; statements about someone else's notice are 404.
    expect(await (await s.kid.client.get('/safeguarding')).text()).toContain('You have no safeguarding notices.');
    expect((await s.kid.client.post(`/safeguarding/${id}/statement`, { statement: 'me too' })).status).toBe(404);
    expect((await s.adult.client.post(`/safeguarding/missing/statement`, { statement: 'x' })).status).toBe(404);
  });

  test('block needs a clause, a reason and a confirmation; the sender sees the notice, appeals once; the acting officer may not decide; another officer overturns', async () => {
    const s = await setUp();
    const base = `/admin/moderation/cases/${s.caseId}`;
    expect(await (await s.admin.get(base)).text()).toContain('Block the sender');
    const missing = await s.admin.post(`${base}/act`, { action: 'block', clause: '', reason: 'x' });
    expect(missing.headers.get('location')).toBe(`${base}?done=missing`);
    expect(await (await s.admin.get(missing.headers.get('location')!)).text()).toContain('Choose a policy clause and give a reason.');
    const ask = await s.admin.post(`${base}/act`, { action: 'block', clause: 'SG-2', reason: `Grooming ${XSS}` });
    expect(ask.status).toBe(200);
    const askText = await ask.text();
    expect(askText).toContain('Yes, block');
    expect(askText).not.toContain(XSS);
    expect(await s.t.store.sanctions.list()).toEqual([]);
    const done = await s.admin.post(`${base}/act`, { action: 'block', clause: 'SG-2', reason: `Grooming ${XSS}`, confirm: 'yes' });
    expect(done.status).toBe(303);
    const actionUrl = done.headers.get('location')!;
    expect(await (await s.admin.get(actionUrl)).text()).toContain('The account is blocked.');
    const again = await s.admin.post(`${base}/act`, { action: 'block', clause: 'SG-2', reason: 'again', confirm: 'yes' });
    expect(again.headers.get('location')).toBe(`${base}?done=already-blocked`);
    const [block] = await s.t.store.sanctions.list();

    // The sender's side: banner, notice with reason, evidence and clause (all escaped), statement form.
    const home = await (await s.adult.client.get('/')).text();
    expect(home).toContain('You have a safeguarding notice');
    const notices = await (await s.adult.client.get('/safeguarding')).text();
    for (const text of ['Your account is blocked', 'keep this between us', 'SG-2', 'Grooming a student under 18', 'Send statement and appeal']) expect(notices).toContain(text);
    expect(notices).not.toContain(XSS);
    expect((await s.adult.client.post(`/safeguarding/${block!.id}/statement`, { statement: '   ' })).status).toBe(400);
    expect((await s.adult.client.post(`/safeguarding/${block!.id}/statement`, { statement: 'x'.repeat(4001) })).status).toBe(400);
    const sent = await s.adult.client.post(`/safeguarding/${block!.id}/statement`, { statement: `It was about the lab ${XSS}` });
    expect(sent.status).toBe(303);
    expect(await (await s.adult.client.get(sent.headers.get('location')!)).text()).toContain('Your statement was sent');
    const twice = await s.adult.client.post(`/safeguarding/${block!.id}/statement`, { statement: 'again' });
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain('already been received');

    // The acting administrator may not decide; the page says why and a POST is refused.
    const own = await (await s.admin.get(actionUrl)).text();
    expect(own).toContain('A different reviewer must decide');
    expect(own).not.toContain(XSS);
    const refused = await s.admin.post(`/admin/moderation/actions/${block!.id}/decide`, { outcome: 'overturn', reason: 'mine', confirm: 'yes' });
    expect(refused.status).toBe(409);
    expect((await s.t.store.sanctions.byId(block!.id))!.status).toBe('appealed');

    const list = await (await s.officer.get('/admin/moderation/actions')).text();
    expect(list).toContain('appealed: awaiting a different reviewer');
    const page = await (await s.officer.get(`/admin/moderation/actions/${block!.id}`)).text();
    expect(page).toContain('Decide the appeal');
    expect(page).toContain('It was about the lab');
    const confirm = await s.officer.post(`/admin/moderation/actions/${block!.id}/decide`, { outcome: 'overturn', reason: 'Lab context confirmed.' });
    expect(await confirm.text()).toContain('Yes, overturn');
    const decided = await s.officer.post(`/admin/moderation/actions/${block!.id}/decide`, { outcome: 'overturn', reason: 'Lab context confirmed.', confirm: 'yes' });
    expect(decided.status).toBe(303);
    expect((await s.t.store.sanctions.byId(block!.id))!).toMatchObject({ status: 'overturned', decisionReason: 'Lab context confirmed.' });
    const outcome = await (await s.adult.client.get('/safeguarding')).text();
    expect(outcome).toContain('it was overturned');
    expect(outcome).toContain('Lab context confirmed.');
    expect(await (await s.adult.client.get('/')).text()).not.toContain('You have a safeguarding notice');
    expect(await (await s.kid.client.get(`/rooms/${s.room.id}`)).text()).toContain('keep this between us');
    const views = await s.t.store.audit.list({ action: 'moderation.action_view' });
    expect(views.length).toBeGreaterThanOrEqual(3);
  });

  test('a block from a page opened before another officer released the (delivered) message is refused and says the case was decided', async () => {
    const s = await setUp();
    await sendMessage(s.t.app.chat, (await s.t.store.users.byId(s.adult.id))!, { roomId: s.room.id, clientId: Bun.randomUUIDv7(), body: 'REVIEWME see me after class' });
    const c = (await s.t.store.cases.list()).find((x) => x.severity === 'review')!;
    const base = `/admin/moderation/cases/${c.id}`;
    const form = await (await s.officer.get(base)).text();
    const rev = form.match(/name="rev" value="(\d+)"/)![1]!;
    expect(form).toContain('name="seen" value="open"');
    // The confirmation page carries what the officer saw.
    expect(await (await s.officer.post(`${base}/act`, { action: 'block', clause: 'SG-2', reason: 'Grooming', rev, seen: 'open' })).text()).toContain('name="seen" value="open"');
    // Another officer releases it meanwhile: the message was delivered, so the release leaves it as it was.
    expect((await s.admin.post(`${base}/decide`, { decision: 'release', reason: 'A lab meeting.', rev, confirm: 'yes' })).status).toBe(303);
    const late = await s.officer.post(`${base}/act`, { action: 'block', clause: 'SG-2', reason: 'Grooming', rev, seen: 'open', confirm: 'yes' });
    expect(late.headers.get('location')).toBe(`${base}?done=decided`);
    expect(await (await s.officer.get(late.headers.get('location')!)).text()).toContain('Another officer decided this case since you opened it');
    expect(await s.t.store.sanctions.list()).toEqual([]);
    // Opened after the decision, the page says so, and the officer may still block on it.
    expect(await (await s.officer.get(base)).text()).toContain('name="seen" value="decided"');
    const block = await s.officer.post(`${base}/act`, { action: 'block', clause: 'SG-2', reason: 'Grooming', rev, seen: 'decided', confirm: 'yes' });
    expect(block.headers.get('location')).toMatch(/actions\/.+\?done=block/);
  });

  test('freeze: the room says so and refuses posts; the owner responds at /safeguarding', async () => {
    const s = await setUp();
    const r = await s.officer.post(`/admin/moderation/cases/${s.caseId}/act`, { action: 'freeze', clause: 'SG-6', reason: 'Abuse', confirm: 'yes' });
    expect(r.status).toBe(303);
    const kidRoom = await (await s.kid.client.get(`/rooms/${s.room.id}`)).text();
    expect(kidRoom).toContain(`<div id="posting-${s.room.id}"><p class="alert banner" role="status">This room is frozen by the safeguarding team`);
    // The kid's own account is not limited: its slot is there, empty.
    expect(kidRoom).toContain('<div id="posting-account"></div>');
    const ownerNotices = await (await s.adult.client.get('/safeguarding')).text();
    expect(ownerNotices).toContain('A room you answer for is frozen: BIO101 · Biology');
    // The held message's text is not shown to the owner.
    expect(ownerNotices).not.toContain('keep this between us');
    // Lifting: a reason, a confirmation, then the room is open again.
    const [freeze] = await s.t.store.sanctions.list({ kind: ['freeze'] });
    const lift = `/admin/moderation/actions/${freeze!.id}/lift`;
    expect((await s.officer.post(lift, { reason: ' ', confirm: 'yes' })).status).toBe(400);
    expect(await (await s.officer.post(lift, { reason: 'Owner will moderate.' })).text()).toContain('Yes, lift');
    expect((await s.t.store.sanctions.byId(freeze!.id))!.status).toBe('active');
    const lifted = await s.officer.post(lift, { reason: 'Owner will moderate.', confirm: 'yes' });
    expect(lifted.headers.get('location')).toBe(`/admin/moderation/actions/${freeze!.id}?done=lift`);
    expect(await (await s.officer.get(lifted.headers.get('location')!)).text()).toContain('The action was lifted. Its held messages stay held until their cases are decided.');
    expect(await (await s.kid.client.get(`/rooms/${s.room.id}`)).text()).not.toContain('This room is frozen');
    const again = await s.officer.post(lift, { reason: 'again', confirm: 'yes' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('no longer in force');
  });
});

test('a case page lists the actions citing it, with the overturn that restored its message', async () => {
  const s = await setUp();
  const done = await s.admin.post(`/admin/moderation/cases/${s.caseId}/act`, { action: 'block', clause: 'SG-2', reason: 'Grooming', confirm: 'yes' });
  const id = done.headers.get('location')!.match(/actions\/([^?]+)/)![1]!;
  expect(await (await s.officer.get(`/admin/moderation/cases/${s.caseId}`)).text()).toContain('in force, no statement yet');
  expect((await s.adult.client.post(`/safeguarding/${id}/statement`, { statement: 'context' })).status).toBe(303);
  expect((await s.officer.post(`/admin/moderation/actions/${id}/decide`, { outcome: 'overturn', reason: 'Fine.', confirm: 'yes' })).status).toBe(303);
  const page = await (await s.officer.get(`/admin/moderation/cases/${s.caseId}`)).text();
  expect(page).toContain('overturned on appeal: restored');
  expect(page).toContain('it was delivered even though this case was decided as upheld');
});
