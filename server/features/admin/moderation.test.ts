/** /admin/moderation over HTTP: who may enter, the queue, the case page, release and uphold. */
import { describe, expect, test } from 'bun:test';
import { topics } from '../../realtime/topics';
import { editMessage, sendMessage } from '../chat/messages';
import { AdminClient, auditActions, csrfOf, person, safeguardingCast } from './test-support';
import { reportMessage } from '../moderation/report';

const NOT_FOUND = 'There is nothing at this address.';

async function setUp() {
  const { t, admin, adult, adultUser, kid, officerP, room } = await safeguardingCast('dm');
  const student = await person(t, 'other@unilag.edu.ng', 'student');
  const chat = t.app.chat;
  const ctx = [1, 2, 3, 4].map((i) => `context line ${i}`);
  for (const body of ctx.slice(0, 2)) await sendMessage(chat, adultUser, { roomId: room.id, clientId: Bun.randomUUIDv7(), body });
  const { message } = await sendMessage(chat, adultUser, { roomId: room.id, clientId: Bun.randomUUIDv7(), body: 'HOLDME keep this between us' });
  for (const body of ctx.slice(2)) await sendMessage(chat, adultUser, { roomId: room.id, clientId: Bun.randomUUIDv7(), body });
  const [c] = await t.store.cases.list();
  return { t, admin, adult, kid, officerP, student, room, message, caseId: c!.id };
}

/** Grants the permission through the admin user page (the checkbox), then picks up the officer's CSRF token. */
async function grantOfficer(admin: AdminClient, userId: string, p: Awaited<ReturnType<typeof person>>, caseId: string) {
  expect(await (await admin.get(`/admin/users/${userId}`)).text()).toContain('Safeguarding officer');
  const r = await admin.post(`/admin/users/${userId}`, { name: 'Officer', role: 'lecturer', date_of_birth: '', minor: 'auto', permissions_shown: 'yes', safeguarding: 'yes' });
  expect(r.status).toBe(303);
  expect((await p.client.get('/admin/moderation')).status).toBe(200);
  const page = await p.client.get(`/admin/moderation/cases/${caseId}`);
  expect(page.status).toBe(200);
  return new AdminClient(p, csrfOf(await page.text()));
}

describe('/admin/moderation', () => {
  test('students, recipients and senders get 404; officers see only the moderation section', async () => {
    const s = await setUp();
    for (const who of [s.student, s.kid, s.adult, s.officerP]) {
      for (const path of ['/admin/moderation', `/admin/moderation/cases/${s.caseId}`]) {
        const r = await who.client.get(path);
        expect({ path, status: r.status }).toEqual({ path, status: 404 });
        expect(await r.text()).toContain(NOT_FOUND);
      }
      expect((await who.client.post(`/admin/moderation/cases/${s.caseId}/decide`, { _csrf: 'x', decision: 'release', reason: 'x', confirm: 'yes' })).status).toBe(404);
    }
    const officer = await grantOfficer(s.admin, s.officerP.id, s.officerP, s.caseId);
    expect((await s.t.store.users.byId(s.officerP.id))!.permissions).toEqual(['safeguarding']);
    // The rest of the portal stays closed to an officer who is not an administrator.
    for (const path of ['/admin', '/admin/users', `/admin/users/${s.kid.id}`, '/admin/audit']) expect((await officer.get(path)).status).toBe(404);
    const queue = await (await officer.get('/admin/moderation')).text();
    expect(queue).not.toContain('href="/admin/users"');
    expect(queue).toContain('grooming_signal (99%)');
    expect(queue).toContain('fake-1');
    expect(queue).toContain('minor');
    expect(queue).not.toContain('Review-level flags are switched off');
    expect(queue).toContain('1 held, waiting; 0 for review.');
    // In the app itself the officer is told, and has the way in; a student neither.
    const home = await (await s.officerP.client.get('/')).text();
    expect(home).toContain('A held message waits for a safeguarding decision. <a href="/admin/moderation">Open the queue</a>');
    expect(home).toContain('<a href="/admin/moderation" class="button-link secondary">Safeguarding cases</a>');
    const kidHome = await (await s.kid.client.get('/')).text();
    expect(kidHome).not.toContain('held message');
    expect(kidHome).not.toContain('/admin');
    expect(await (await s.admin.p.client.get('/')).text()).toContain('<a href="/admin" class="button-link secondary">Admin</a>');
    // 101 more held messages: the oldest waiting one is on the page, and the count says more wait.
    const base = { roomId: s.room.id, senderId: s.adult.id, labels: ['grooming_signal'], scores: { grooming_signal: 0.9 }, text: 'x', modelVersion: 'm', severity: 'hold' as const, towardsMinor: true };
    const oldest = await s.t.store.cases.create({ ...base, messageId: 'old', now: 1 });
    for (let i = 0; i < 100; i++) await s.t.store.cases.create({ ...base, messageId: `n${i}` });
    const full = await (await officer.get('/admin/moderation')).text();
    expect(full).toContain('102 held, waiting (the first 100 shown); 0 for review.');
    expect(full).toContain(`/admin/moderation/cases/${oldest.id}`);
    // A server with review cases off (MODERATION_REVIEW_CASES=false) says so above the queue.
    s.t.app.chat.moderation!.policy.reviewCases = false;
    expect(await (await officer.get('/admin/moderation')).text()).toContain('Review-level flags are switched off on this server (MODERATION_REVIEW_CASES=false): only held messages open cases.');
    // Unchecking removes the permission again.
    await s.admin.post(`/admin/users/${s.officerP.id}`, { name: 'Officer', role: 'lecturer', date_of_birth: '', minor: 'auto', permissions_shown: 'yes' });
    expect((await s.t.store.users.byId(s.officerP.id))!.permissions).toEqual([]);
    expect((await officer.get('/admin/moderation')).status).toBe(404);
  });

  test('a person under 18 cannot be made a safeguarding officer, nor an officer be marked under 18', async () => {
    const s = await setUp();
    const r = await s.admin.post(`/admin/users/${s.kid.id}`, { name: 'Kid', role: 'student', date_of_birth: '2011-03-01', minor: 'auto', permissions_shown: 'yes', safeguarding: 'yes' });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('A person under 18 cannot be a safeguarding officer');
    expect((await s.t.store.users.byId(s.kid.id))!.permissions).toEqual([]);
    await grantOfficer(s.admin, s.officerP.id, s.officerP, s.caseId);
    const marked = await s.admin.post(`/admin/users/${s.officerP.id}`, { name: 'Officer', role: 'lecturer', date_of_birth: '', minor: 'yes', permissions_shown: 'yes', safeguarding: 'yes' });
    expect(marked.status).toBe(400);
    expect(await marked.text()).toContain('A person under 18 cannot be a safeguarding officer');
    expect((await s.t.store.users.byId(s.officerP.id))!.minorOverride).toBeNull();
    // Made a minor some other way (an import, the store): the permission no longer opens anything.
    await s.t.store.users.update(s.officerP.id, { minorOverride: true });
    expect((await s.officerP.client.get('/admin/moderation')).status).toBe(404);
    expect((await s.officerP.client.get(`/admin/moderation/cases/${s.caseId}`)).status).toBe(404);
    // Nor can a minor be made an administrator.
    const admin = await s.admin.post(`/admin/users/${s.kid.id}`, { name: 'Kid', role: 'admin', date_of_birth: '2011-03-01', minor: 'auto' });
    expect(admin.status).toBe(400);
    expect(await admin.text()).toContain('A person under 18 cannot be an administrator');
  });

  test('the queue shows held cases first, even behind more than a page of newer review-level ones', async () => {
    const s = await setUp();
    // 101 newer review-level cases (direct in the store: only the queue's order is under test)
    const base = { roomId: s.room.id, senderId: 'sender-id', labels: ['sexual_solicitation'], scores: { sexual_solicitation: 0.1 }, text: 'x', modelVersion: 'test', severity: 'review' as const, towardsMinor: true };
    for (let i = 0; i < 101; i++) await s.t.store.cases.create({ ...base, messageId: `review-${i}`, now: Date.now() + 1000 + i });
    const html = await (await s.admin.get('/admin/moderation')).text();
    const links = [...html.matchAll(/href="\/admin\/moderation\/cases\/([\w-]+)"/g)].map((m) => m[1]);
    expect(links[0]).toBe(s.caseId); // the held one, oldest of all
    expect(links.length).toBe(101); // the held case and the newest 100 review-level ones
    expect(html).toContain('held messages first');
  });

  test('the case page shows the flagged message and at most three messages either side, and is audited', async () => {
    const s = await setUp();
    const officer = await grantOfficer(s.admin, s.officerP.id, s.officerP, s.caseId);
    const extra = (await s.t.store.users.byId(s.adult.id))!;
    for (const i of [5, 6, 7]) await sendMessage(s.t.app.chat, extra, { roomId: s.room.id, clientId: Bun.randomUUIDv7(), body: `context line ${i}` });
    const page = await (await officer.get(`/admin/moderation/cases/${s.caseId}`)).text();
    expect(page).toContain('keep this between us');
    for (const i of [1, 2, 3, 4, 5]) expect(page).toContain(`context line ${i}`);
    expect(page).not.toContain('context line 6');
    const views = await s.t.store.audit.list({ action: 'moderation.case_view' });
    expect(views.at(-1)).toMatchObject({ actorId: s.officerP.id, target: s.caseId });
    expect(page).not.toContain("The sender's other open cases in this room");
    // The sender's other held message in the room (left out of the window): listed with a link.
    await sendMessage(s.t.app.chat, extra, { roomId: s.room.id, clientId: Bun.randomUUIDv7(), body: 'HOLDME and this too' });
    const other = (await s.t.store.cases.list({ status: 'open' })).find((c) => c.id !== s.caseId)!;
    const withOther = await (await officer.get(`/admin/moderation/cases/${s.caseId}`)).text();
    expect(withOther).toContain("The sender's other open cases in this room");
    expect(withOther).toContain(`href="/admin/moderation/cases/${other.id}"`);
    expect(withOther).not.toContain('HOLDME and this too');
    // A hold by the conversation-level risk says so.
    const risk = await s.t.store.cases.create({ roomId: s.room.id, messageId: s.message.id, senderId: s.adult.id, labels: ['grooming_risk'], scores: { grooming_risk: 0.62 }, text: s.message.body, modelVersion: 'm', severity: 'hold', towardsMinor: true });
    expect(await (await officer.get(`/admin/moderation/cases/${risk.id}`)).text()).toContain('Held by the conversation-level grooming risk (62%)');
  });

  test("a welfare concern's case page says it is a referral for the writer (under 18), not a complaint against them", async () => {
    const s = await setUp();
    const officer = await grantOfficer(s.admin, s.officerP.id, s.officerP, s.caseId);
    const kidUser = (await s.t.store.users.byId(s.kid.id))!;
    const { message } = await sendMessage(s.t.app.chat, kidUser, { roomId: s.room.id, clientId: Bun.randomUUIDv7(), body: 'I do not feel safe at home' });
    const adultUser = (await s.t.store.users.byId(s.adult.id))!;
    const { caseId } = await reportMessage(s.t.app.chat, adultUser, { roomId: s.room.id, messageId: message.id, origin: 'x', concern: true });
    const page = await (await officer.get(`/admin/moderation/cases/${caseId}`)).text();
    expect(page).toContain('<strong>Welfare concern:</strong> a member is worried about the person who wrote this message (<strong>under 18</strong>)');
    expect(page).toContain('This is not a complaint against the writer');
    // A report of harm has no such note.
    expect(await (await officer.get(`/admin/moderation/cases/${s.caseId}`)).text()).not.toContain('Welfare concern');
    // Nothing to uphold, block or freeze: only "close", with what was done for the writer (QA: a
    // 16-year-old's disclosure was upheld as abuse and she was sent a notice).
    // The officer can reach the writer to follow up (account facts, not chat).
    expect(page).toContain(`<span class="hint">${kidUser.email}</span>`);
    expect(page).toContain('Close the concern');
    expect(page).not.toContain('Uphold');
    expect(page).not.toContain('Act on the account or room');
    // Officers see it waiting on every page, and first in the queue.
    expect(await (await s.admin.get('/admin/users')).text()).toContain('A member is worried about someone’s welfare; a held message waits for a safeguarding decision.');
    const queue = await (await officer.get('/admin/moderation')).text();
    expect(queue).toContain('1 welfare concern (first);');
    expect(queue.indexOf(caseId)).toBeLessThan(queue.indexOf(s.caseId));
    for (const [path, form] of [
      [`/admin/moderation/cases/${caseId}/decide`, { decision: 'uphold', reason: 'abuse', judged: '1', labels: 'other_toxic', confirm: 'yes' }],
      [`/admin/moderation/cases/${caseId}/act`, { action: 'block', clause: 'SG-6', reason: 'abuse', confirm: 'yes' }],
      [`/admin/moderation/cases/${caseId}/act`, { action: 'freeze', clause: 'SG-6', reason: 'abuse', confirm: 'yes' }],
    ] as const) {
      const r = await officer.post(path, form);
      expect(r.status).toBe(400);
      expect(await r.text()).toContain('This case is a worry for the message&#39;s writer, not a complaint against them');
    }
    expect((await s.t.store.cases.byId(caseId))!.status).toBe('open');
    expect(await s.t.store.sanctions.list({ userId: s.kid.id })).toEqual([]);
    const ask = await officer.post(`/admin/moderation/cases/${caseId}/decide`, { decision: 'release', reason: 'Referred to the safeguarding lead', judged: '1' });
    expect(await ask.text()).toContain('Close this welfare concern?');
    const done = await officer.post(`/admin/moderation/cases/${caseId}/decide`, { decision: 'release', reason: 'Referred to the safeguarding lead', judged: '1', confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(await s.t.store.cases.byId(caseId)).toMatchObject({ status: 'decided', decision: 'release', judgedLabels: [] });
    expect((await s.t.store.messages.byId(s.room.id, message.id))!.held).toBe(false);
    expect(await s.t.store.sanctions.list({ userId: s.kid.id })).toEqual([]);
  });

  test('a case that is both a report of harm and a welfare concern is shown as a complaint too, not as "not a complaint"', async () => {
    const { t, admin, adultUser, kid, officerP, room } = await safeguardingCast('dm');
    const chat = t.app.chat;
    const kidUser = (await t.store.users.byId(kid.id))!;
    const { message } = await sendMessage(chat, adultUser, { roomId: room.id, clientId: Bun.randomUUIDv7(), body: 'see you after class, just the two of us, do not tell your mum' });
    // The minor reports it as harmful; a worry about its writer (hers, or anyone's) joins the same case.
    const harm = await reportMessage(chat, kidUser, { roomId: room.id, messageId: message.id, origin: 'x' });
    await reportMessage(chat, kidUser, { roomId: room.id, messageId: message.id, origin: 'x', concern: true });
    expect((await t.store.cases.byId(harm.caseId))!.labels).toEqual(['reported', 'welfare_concern']);
    const officer = await grantOfficer(admin, officerP.id, officerP, harm.caseId);
    const page = await (await officer.get(`/admin/moderation/cases/${harm.caseId}`)).text();
    expect(page).toContain('Welfare concern');
    // The case IS a complaint against the writer (a minor reported the message as harmful):
    expect(page).not.toContain('This is not a complaint against the writer');
  });

  test('release: confirm step, required reason, CSRF; then the message reaches the room', async () => {
    const s = await setUp();
    const officer = await grantOfficer(s.admin, s.officerP.id, s.officerP, s.caseId);
    const hub = s.t.hub;
    const url = `/admin/moderation/cases/${s.caseId}/decide`;
    expect((await s.officerP.client.post(url, { _csrf: 'wrong', decision: 'release', reason: 'ok', confirm: 'yes' })).status).toBe(403);
    expect((await officer.post(url, { decision: 'release', reason: '  ', confirm: 'yes' })).status).toBe(400);
    hub.log.length = 0;
    const confirm = await officer.post(url, { decision: 'release', reason: 'Benign' });
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('Release this message?');
    expect(hub.log).toEqual([]);
    expect((await s.t.store.cases.byId(s.caseId))!.status).toBe('open');
    const done = await officer.post(url, { decision: 'release', reason: 'Benign', confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(hub.topicsPublished()).toEqual([topics.room(s.room.id)]);
    expect((await s.t.store.messages.byId(s.room.id, s.message.id))!.held).toBe(false);
    expect((await s.t.store.cases.byId(s.caseId))).toMatchObject({ status: 'decided', decision: 'release', decidedBy: s.officerP.id, reason: 'Benign' });
    expect(await auditActions(s.t.store)).toContain('moderation.release');
    // A second decision is refused.
    expect((await officer.post(url, { decision: 'uphold', reason: 'late', confirm: 'yes' })).status).toBe(409);
    // Decided without the labels form (as before it existed): not recorded.
    expect((await s.t.store.cases.byId(s.caseId))!.judgedLabels).toBeNull();
  });

  test("the officer judges the labels: the model's marked, none ticked; confirmed, kept with the case and audited", async () => {
    const s = await setUp();
    const url = `/admin/moderation/cases/${s.caseId}/decide`;
    const page = await (await s.admin.get(`/admin/moderation/cases/${s.caseId}`)).text();
    // the form offers all six labels, none ticked; the one the model held it for is marked
    expect(page.match(/name="labels"/g)?.length).toBe(6);
    expect(page).not.toContain('checked');
    expect(page).toContain('name="labels" value="grooming_signal"> <span>Grooming tactic (secrecy, gifts, meeting alone, moving platform…) <span class="pill">flagged by the model</span></span>');
    expect(page.match(/flagged by the model/g)?.length).toBe(1);
    // upholding says a rule was broken: at least one label
    const none = await s.admin.post(url, { decision: 'uphold', reason: 'Grooming', judged: '1' });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Tick at least one label: upholding says the message breaks a rule.');
    // unknown labels are refused, nothing decided
    const bad = await s.admin.post(url, { decision: 'uphold', reason: 'Grooming', judged: '1', labels: ['grooming_signal', '<b>nudity</b>'], confirm: 'yes' });
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expect(badText).toContain('Unknown label: &lt;b&gt;nudity&lt;/b&gt;.');
    expect((await s.t.store.cases.byId(s.caseId))!.status).toBe('open');
    // the confirmation page says which labels will be recorded and carries them
    const confirm = await (await s.admin.post(url, { decision: 'uphold', reason: 'Grooming', judged: '1', labels: ['threat', 'grooming_signal'] })).text();
    expect(confirm).toContain('Labels: grooming_signal, threat.');
    expect(confirm).toContain('name="labels" value="grooming_signal,threat"');
    expect((await s.admin.post(url, { decision: 'uphold', reason: 'Grooming', judged: '1', labels: 'grooming_signal,threat', confirm: 'yes' })).status).toBe(303);
    expect((await s.t.store.cases.byId(s.caseId))!.judgedLabels).toEqual(['grooming_signal', 'threat']);
    expect(await (await s.admin.get(`/admin/moderation/cases/${s.caseId}`)).text()).toContain('<strong>Labels judged:</strong> grooming_signal, threat');
    const [entry] = await s.t.store.audit.list({ action: 'moderation.uphold', limit: 1 });
    expect(entry!.details).toMatchObject({ judgedLabels: ['grooming_signal', 'threat'] });
  });

  test('released with no label ticked: judged harmless ([]), said so on the confirmation page', async () => {
    const s = await setUp();
    const url = `/admin/moderation/cases/${s.caseId}/decide`;
    expect(await (await s.admin.post(url, { decision: 'release', reason: 'A study arrangement', judged: '1' })).text()).toContain('Labels: none (harmless).');
    expect((await s.admin.post(url, { decision: 'release', reason: 'A study arrangement', judged: '1', labels: '', confirm: 'yes' })).status).toBe(303);
    expect((await s.t.store.cases.byId(s.caseId))!.judgedLabels).toEqual([]);
    // the decided case leads on to the next open one, held first
    const page = async () => (await s.admin.get(`/admin/moderation/cases/${s.caseId}`)).text();
    expect(await page()).toContain('No open cases left.');
    const adultUser = (await s.t.store.users.byId(s.adult.id))!;
    await sendMessage(s.t.app.chat, adultUser, { roomId: s.room.id, clientId: Bun.randomUUIDv7(), body: 'REVIEWME see you' });
    const [review] = await s.t.store.cases.list({ status: 'open' });
    expect(await page()).toContain(`<a href="/admin/moderation/cases/${review!.id}">Next open case →</a>`);
    await sendMessage(s.t.app.chat, adultUser, { roomId: s.room.id, clientId: Bun.randomUUIDv7(), body: 'HOLDME again' });
    const [held] = await s.t.store.cases.list({ status: 'open', severity: 'hold' });
    expect(await page()).toContain(`<a href="/admin/moderation/cases/${held!.id}">Next open case →</a>`);
  });

  test('an edit the officer has not seen: the decision is refused until they look again; a release never delivers text held again by its own open case', async () => {
    const s = await setUp();
    const url = `/admin/moderation/cases/${s.caseId}/decide`;
    const page = await (await s.admin.get(`/admin/moderation/cases/${s.caseId}`)).text();
    const rev = /name="rev" value="(\d+)"/.exec(page)![1]!;
    // The sender edits the held message into something worse: held again, with its own case.
    const adultUser = (await s.t.store.users.byId(s.adult.id))!;
    await editMessage(s.t.app.chat, adultUser, { roomId: s.room.id, messageId: s.message.id, body: 'HOLDME worse words now' });
    const refused = await s.admin.post(url, { decision: 'release', reason: 'Harmless <b>', judged: '1', labels: 'explicit', rev, confirm: 'yes' });
    expect(refused.status).toBe(409);
    const again = await refused.text();
    expect(again).toContain('The message changed since you opened this case');
    // what the officer filled in is still there (escaped), next to the new text
    expect(again).toContain('>Harmless &lt;b&gt;</textarea>');
    expect(again).toContain('name="decision" value="release" required checked>');
    expect(again).toContain('name="labels" value="explicit" checked>');
    expect(again).toContain('HOLDME worse words now');
    expect((await s.t.store.cases.byId(s.caseId))!.status).toBe('open');
    // Deciding from a fresh page: released, but the new text stays held (its case is open).
    const fresh = /name="rev" value="(\d+)"/.exec(await (await s.admin.get(`/admin/moderation/cases/${s.caseId}`)).text())![1]!;
    s.t.hub.log.length = 0;
    expect((await s.admin.post(url, { decision: 'release', reason: 'The first text was harmless', judged: '1', rev: fresh, confirm: 'yes' })).status).toBe(303);
    expect((await s.t.store.cases.byId(s.caseId))!.decision).toBe('release');
    expect((await s.t.store.messages.byId(s.room.id, s.message.id))!.held).toBe(true);
    expect(s.t.hub.topicsPublished()).not.toContain(topics.room(s.room.id));
    expect(await (await s.kid.client.get(`/rooms/${s.room.id}`)).text()).not.toContain('worse words');
  });

  test('an edit held again and upheld keeps the message hidden when the first case is released', async () => {
    const s = await setUp();
    const adultUser = (await s.t.store.users.byId(s.adult.id))!;
    const rev = async (id: string) => /name="rev" value="(\d+)"/.exec(await (await s.admin.get(`/admin/moderation/cases/${id}`)).text())![1]!;
    await editMessage(s.t.app.chat, adultUser, { roomId: s.room.id, messageId: s.message.id, body: 'HOLDME worse words now' });
    const edit = (await s.t.store.cases.list({ messageId: s.message.id })).find((c) => c.id !== s.caseId)!;
    // The edit is upheld (a removal in force cites it), then the first text is judged harmless.
    expect((await s.admin.post(`/admin/moderation/cases/${edit.id}/decide`, { decision: 'uphold', reason: 'Grooming', judged: '1', labels: 'grooming_signal', rev: await rev(edit.id), confirm: 'yes' })).status).toBe(303);
    const r = await s.admin.post(`/admin/moderation/cases/${s.caseId}/decide`, { decision: 'release', reason: 'The first text was fine', judged: '1', rev: await rev(s.caseId), confirm: 'yes' });
    expect(r.headers.get('location')).toBe(`/admin/moderation/cases/${s.caseId}?done=release-hidden`);
    expect(await (await s.admin.get(r.headers.get('location')!)).text()).toContain('The message stays hidden all the same');
    expect((await s.t.store.messages.byId(s.room.id, s.message.id))!.held).toBe(true);
    const [entry] = (await s.t.store.audit.list({ action: 'moderation.release' })).slice(-1);
    expect(entry!.details).toMatchObject({ stillHidden: true, messageChanged: false });
  });

  test('a review-level edit does not keep a released message hidden (its case waits in the queue; the text is delivered)', async () => {
    const s = await setUp();
    const adultUser = (await s.t.store.users.byId(s.adult.id))!;
    await editMessage(s.t.app.chat, adultUser, { roomId: s.room.id, messageId: s.message.id, body: 'REVIEWME softer words' });
    const rev = /name="rev" value="(\d+)"/.exec(await (await s.admin.get(`/admin/moderation/cases/${s.caseId}`)).text())![1]!;
    const r = await s.admin.post(`/admin/moderation/cases/${s.caseId}/decide`, { decision: 'release', reason: 'Fine now', judged: '1', rev, confirm: 'yes' });
    expect(r.headers.get('location')).toBe(`/admin/moderation/cases/${s.caseId}?done=release`);
    expect((await s.t.store.messages.byId(s.room.id, s.message.id))!.held).toBe(false);
    expect(await (await s.kid.client.get(`/rooms/${s.room.id}`)).text()).toContain('REVIEWME softer words');
  });

  test('uphold by an administrator: the message stays hidden, is never published to the room, and the sender gets a notice', async () => {
    const s = await setUp();
    // The sender edits the held message to something harmless: the case keeps the text as flagged.
    const adultUser = (await s.t.store.users.byId(s.adult.id))!;
    await editMessage(s.t.app.chat, adultUser, { roomId: s.room.id, messageId: s.message.id, body: 'never mind' });
    expect((await s.t.store.messages.byId(s.room.id, s.message.id))!.held).toBe(true);
    const casePage = await (await s.admin.get(`/admin/moderation/cases/${s.caseId}`)).text();
    expect(casePage).toContain('Text when flagged');
    expect(casePage).toContain('keep this between us');
    expect(casePage).toContain('never mind');
    s.t.hub.log.length = 0;
    const r = await s.admin.post(`/admin/moderation/cases/${s.caseId}/decide`, { decision: 'uphold', reason: 'Grooming', confirm: 'yes' });
    expect(r.status).toBe(303);
    expect(s.t.hub.topicsPublished()).not.toContain(topics.room(s.room.id));
    expect((await s.t.store.messages.byId(s.room.id, s.message.id))).toMatchObject({ held: true, body: 'never mind', deletedAt: null });
    expect(await s.t.store.sanctions.list({ userId: s.adult.id })).toMatchObject([{ kind: 'removal', reason: 'Grooming', status: 'active' }]);
    const kidPage = await (await s.kid.client.get(`/rooms/${s.room.id}`)).text();
    expect(kidPage).not.toContain('between us');
    expect(kidPage).toContain('context line 1');
  });
});
