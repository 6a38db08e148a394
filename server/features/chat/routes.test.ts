import { describe, expect, test } from 'bun:test';
import { Client, makeUser, ORIGIN, signedInClient, testApp, type TestApp } from '../../testing';
import type { Room, RoomRole, User, UserPatch } from '../../store/types';
import { HISTORY_PAGE } from './limits';

const ADULT_DOB = '1990-05-17';
const MINOR_DOB = `${new Date().getUTCFullYear() - 12}-01-01`;

const signedIn = signedInClient;

async function room(t: TestApp, code: string, name: string, members: [User, RoomRole][]): Promise<Room> {
  return t.store.rooms.create(
    { id: Bun.randomUUIDv7(), kind: 'course', code, name, topic: '', createdBy: null, dmKey: null },
    members.map(([u, role]) => ({ userId: u.id, role })),
  );
}

let cseq = 0;
async function say(t: TestApp, user: User, roomId: string, body: string) {
  return (await t.store.messages.append({ roomId, senderId: user.id, clientId: `route-${String(++cseq).padStart(6, '0')}`, kind: 'text', body, mentions: [] })).message;
}

async function setUp() {
  const t = await testApp();
  const ada = await signedIn(t, 'ada@unilag.edu.ng', 'Ada Obi', 'student', { dateOfBirth: ADULT_DOB });
  const bola = await signedIn(t, 'bola@unilag.edu.ng', 'Bola Ade', 'student', { dateOfBirth: ADULT_DOB });
  const cid = await signedIn(t, 'cid@unilag.edu.ng', 'Cid Eze', 'student', { dateOfBirth: ADULT_DOB });
  const lecturer = await signedIn(t, 'okafor@unilag.edu.ng', 'Dr Okafor', 'lecturer');
  const csc = await room(t, 'CSC101', 'Intro <to> Computing', [
    [lecturer.user, 'owner'],
    [ada.user, 'member'],
    [bola.user, 'member'],
  ]);
  const secret = await room(t, 'MED999', 'Secret Society Room', [[cid.user, 'owner']]);
  return { t, ada, bola, cid, lecturer, csc, secret };
}

describe('signed out', () => {
  test('GET / and room pages redirect to /login, which comes back to the page after sign-in', async () => {
    const { t, csc } = await setUp();
    const anon = new Client(t.app, '10.9.9.9');
    for (const path of ['/', `/rooms/${csc.id}`, `/rooms/${csc.id}/messages`, '/search?q=x', '/people', '/rooms/new']) {
      const r = await anon.get(path);
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(path === '/' ? '/login' : `/login?next=${encodeURIComponent(path).replace(/%2F/g, '/')}`);
    }
    const post = await anon.post('/dm', { user: 'x' });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe('/login');
  });

  test('a user who still has to choose a password is sent to /password', async () => {
    const { t } = await setUp();
    const issued = await makeUser(t.store, 'new@unilag.edu.ng');
    const c = new Client(t.app, '10.9.9.8');
    await c.signIn('new@unilag.edu.ng', issued.loginCode);
    const r = await c.get('/');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/password');
  });
});

describe('GET /', () => {
  test('lists the user’s rooms only, with the room name escaped', async () => {
    const { ada, cid } = await setUp();
    const r = await ada.client.get('/');
    expect(r.status).toBe(200);
    const body = await r.text();
    expect(body).toContain('CSC101 · Intro &lt;to&gt; Computing');
    expect(body).not.toContain('Secret Society');
    expect(body).not.toContain('<to>');
    const theirs = await (await cid.client.get('/')).text();
    expect(theirs).toContain('Secret Society Room');
    expect(theirs).not.toContain('Intro');
  });
});

describe('GET /rooms/:id', () => {
  test('a member sees the room with its messages, escaped; opening it marks it read', async () => {
    const { t, ada, bola, csc } = await setUp();
    const m = await say(t, bola.user, csc.id, 'Look: <img src=x onerror=alert(1)> **bold** @ada');
    const r = await ada.client.get(`/rooms/${csc.id}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = await r.text();
    expect(body).toContain(`<main class="room" id="room" data-room="${csc.id}" data-last-rev="1"`);
    expect(body).toContain('<h1>Intro &lt;to&gt; Computing</h1>');
    expect(body).toContain(`id="m-${m.id}" data-seq="1" data-rev="1"`);
    expect(body).toContain('Look: &lt;img src=x onerror=alert(1)&gt; <strong>bold</strong> <span class="mention">@ada</span>');
    expect(body).not.toContain('<img src=x');
    expect(body).toContain('3 members');
    expect(body).toContain(`<form class="composer" id="composer" method="post" action="/rooms/${csc.id}/messages" hx-ws:send>`);
    expect((await t.store.rooms.membership(csc.id, ada.user.id))!.lastReadSeq).toBe(1);
  });

  test('a non-member gets 404 that reveals neither the room name nor any message', async () => {
    const { t, ada, cid, secret } = await setUp();
    await say(t, cid.user, secret.id, 'the password is swordfish');
    const r = await ada.client.get(`/rooms/${secret.id}`);
    expect(r.status).toBe(404);
    const body = await r.text();
    expect(body).not.toContain('Secret Society');
    expect(body).not.toContain('MED999');
    expect(body).not.toContain('swordfish');
    // The same answer as for a room that does not exist.
    const missing = await ada.client.get(`/rooms/${Bun.randomUUIDv7()}`);
    expect(missing.status).toBe(404);
    expect((await missing.text()).replace(/\s+/g, ' ')).toBe(body.replace(/\s+/g, ' '));
  });

  test('an archived room shows a notice instead of the composer', async () => {
    const { t, ada, csc } = await setUp();
    await t.store.rooms.update(csc.id, { archived: true });
    const body = await (await ada.client.get(`/rooms/${csc.id}`)).text();
    expect(body).toContain('This room is archived: you can read it but not post.');
    expect(body).not.toContain('id="composer"');
  });

  test("the composer tells the room's lecturer that @class notifies everyone; a student's does not", async () => {
    const { ada, lecturer, csc } = await setUp();
    expect(await (await lecturer.client.get(`/rooms/${csc.id}`)).text()).toContain('placeholder="Write a message (@class notifies everyone)"');
    expect(await (await ada.client.get(`/rooms/${csc.id}`)).text()).toContain('placeholder="Write a message"');
  });

  test('an over-long room id is refused without touching the store', async () => {
    const { ada } = await setUp();
    const r = await ada.client.get(`/rooms/${'x'.repeat(65)}`);
    expect(r.status).toBe(400);
  });
});

describe('GET /rooms/:id/messages', () => {
  test('pages back with ?before= and the older sentinel', async () => {
    const { t, ada, bola, csc } = await setUp();
    const total = HISTORY_PAGE + 10;
    for (let i = 1; i <= total; i++) await say(t, bola.user, csc.id, `numbered ${i}`);

    const first = await (await ada.client.get(`/rooms/${csc.id}/messages`)).text();
    const seqs = (s: string) => [...s.matchAll(/data-seq="(\d+)"/g)].map((x) => Number(x[1]));
    expect(seqs(first)).toEqual(Array.from({ length: HISTORY_PAGE }, (_, i) => 11 + i));
    expect(first).toContain(`hx-get="/rooms/${csc.id}/messages?before=11"`);
    expect(first).not.toContain('<html');

    const older = await ada.client.get(`/rooms/${csc.id}/messages?before=11`);
    expect(older.status).toBe(200);
    const olderBody = await older.text();
    expect(seqs(olderBody)).toEqual(Array.from({ length: 10 }, (_, i) => 1 + i));
    expect(olderBody.startsWith('<p class="start">This is the start of the conversation.</p>')).toBe(true);
  });

  test('the "Load older messages" link works without JavaScript (/rooms/:id?before=)', async () => {
    const { t, ada, bola, csc } = await setUp();
    const total = HISTORY_PAGE + 10;
    for (let i = 1; i <= total; i++) await say(t, bola.user, csc.id, `numbered ${i}`);
    const page = await (await ada.client.get(`/rooms/${csc.id}`)).text();
    const link = /<a href="(\/rooms\/[^"]+\?before=\d+)">Load older messages<\/a>/.exec(page);
    expect(link?.[1]).toBe(`/rooms/${csc.id}?before=11`);
    const older = await ada.client.get(link![1]!);
    expect(older.status).toBe(200);
    const body = await older.text();
    expect([...body.matchAll(/data-seq="(\d+)"/g)].map((x) => Number(x[1]))).toEqual(Array.from({ length: 10 }, (_, i) => 1 + i));
    expect(body).toContain('This is the start of the conversation.');
    expect((await ada.client.get(`/rooms/${csc.id}?before=0`)).status).toBe(400);
    expect((await ada.client.get(`/rooms/${csc.id}?utm_source=mail`)).status).toBe(200); // other parameters are ignored
  });

  test('a non-member gets 404 with no message text; a bad ?before= is a 400', async () => {
    const { t, ada, cid, secret, csc } = await setUp();
    await say(t, cid.user, secret.id, 'the password is swordfish');
    for (const path of [`/rooms/${secret.id}/messages`, `/rooms/${secret.id}/messages?before=5`]) {
      const r = await ada.client.get(path);
      expect(r.status).toBe(404);
      expect(await r.text()).not.toContain('swordfish');
    }
    expect((await ada.client.get(`/rooms/${csc.id}/messages?before=0`)).status).toBe(400);
    expect((await ada.client.get(`/rooms/${csc.id}/messages?before=abc`)).status).toBe(400);
  });
});

describe('POST /rooms/:id/messages (composer without JavaScript)', () => {
  test('a member posts and is sent back to the room; the message is stored once per client id', async () => {
    const { t, ada, csc } = await setUp();
    const form = { type: 'send', room: csc.id, body: 'Posted <b>without</b> JavaScript', clientId: 'nojs-client-1' };
    const r = await ada.client.post(`/rooms/${csc.id}/messages`, form);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/rooms/${csc.id}`);
    await ada.client.post(`/rooms/${csc.id}/messages`, form);
    const history = await t.store.messages.history(csc.id, { limit: 10 });
    expect(history.map((m) => m.body)).toEqual(['Posted <b>without</b> JavaScript']);
    const page = await (await ada.client.get(`/rooms/${csc.id}`)).text();
    expect(page).toContain('Posted &lt;b&gt;without&lt;/b&gt; JavaScript');
  });
  test('an empty message shows the reason; a non-member gets 404 and nothing is stored', async () => {
    const { t, ada, cid, csc } = await setUp();
    const empty = await ada.client.post(`/rooms/${csc.id}/messages`, { body: '   ' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Write something before sending.');
    const intruder = await cid.client.post(`/rooms/${csc.id}/messages`, { body: 'intruder' });
    expect(intruder.status).toBe(404);
    expect(await t.store.messages.history(csc.id, { limit: 10 })).toEqual([]);
  });
});

describe('GET /rooms/:id/messages/:mid/text', () => {
  test('returns the raw text to its sender only', async () => {
    const { t, ada, bola, lecturer, cid, csc } = await setUp();
    const m = await say(t, ada.user, csc.id, 'raw <b>text</b> **as typed**');
    const r = await ada.client.get(`/rooms/${csc.id}/messages/${m.id}/text`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toBe('raw <b>text</b> **as typed**');

    for (const other of [bola, lecturer, cid]) {
      const x = await other.client.get(`/rooms/${csc.id}/messages/${m.id}/text`);
      expect(x.status).toBe(404);
      expect(await x.text()).not.toContain('as typed');
    }
    await t.store.messages.delete(csc.id, m.id, ada.user.id);
    expect((await ada.client.get(`/rooms/${csc.id}/messages/${m.id}/text`)).status).toBe(404);
  });
});

describe('GET /search', () => {
  test('finds only messages in the user’s rooms, escaped', async () => {
    const { t, ada, bola, cid, csc, secret } = await setUp();
    await say(t, bola.user, csc.id, 'quantum <em>physics</em> tomorrow');
    await say(t, cid.user, secret.id, 'quantum secrets nobody else may read');
    const dm = await t.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'dm', code: null, name: 'x', topic: '', createdBy: cid.user.id, dmKey: [cid.user.id, bola.user.id].sort().join(':') }, [
      { userId: cid.user.id, role: 'member' },
      { userId: bola.user.id, role: 'member' },
    ]);
    await say(t, cid.user, dm.id, 'quantum gossip between two people');

    const r = await ada.client.get('/search?q=quantum');
    expect(r.status).toBe(200);
    const body = await r.text();
    expect(body).toContain('1 result<');
    expect(body).toContain('quantum &lt;em&gt;physics&lt;/em&gt; tomorrow');
    expect(body).not.toContain('secrets');
    expect(body).not.toContain('gossip');
    expect(body).toContain(`href="/rooms/${csc.id}#m-`);

    const bolas = await (await bola.client.get('/search?q=QUANTUM')).text();
    expect(bolas).toContain('2 results');
    expect(bolas).toContain('gossip');
    expect(bolas).not.toContain('secrets');

    // The query is echoed escaped.
    const echo = await (await ada.client.get(`/search?q=${encodeURIComponent('"><script>x</script>')}`)).text();
    expect(echo).not.toContain('<script>x</script>');
    expect(echo).toContain('0 results');
  });

  test('search operators and punctuation are plain text, never an error', async () => {
    const { t, ada, bola, csc } = await setUp();
    await say(t, bola.user, csc.id, 'exam NEAR the hall');
    for (const q of ['"', '(', 'NEAR(', '*', 'exam OR', 'ex*am', 'hall"', '-exam', 'col:umn', '^exam', '🙂', 'x'.repeat(200)]) {
      const r = await ada.client.get(`/search?q=${encodeURIComponent(q)}`);
      expect(r.status).toBe(200);
    }
    expect(await (await ada.client.get(`/search?q=${encodeURIComponent('"exam" (hall')}`)).text()).toContain('1 result<');
    expect((await ada.client.get(`/search?q=${'x'.repeat(201)}`)).status).toBe(400);
  });

  test('one-letter words are not searched for (a hint instead); the 11th search in 30 seconds is refused on the page, 429', async () => {
    const { t, ada, bola, csc } = await setUp();
    await say(t, bola.user, csc.id, 'a b c exam timetable');
    const hint = await ada.client.get('/search?q=a%20b');
    expect(hint.status).toBe(200);
    expect(await hint.text()).toContain('Type at least two letters or digits of a word.');
    for (let i = 0; i < 10; i++) expect(await (await ada.client.get('/search?q=a%20exam')).text()).toContain('1 result<');
    const refused = await ada.client.get('/search?q=exam');
    expect(refused.status).toBe(429);
    const page = await refused.text();
    expect(page).toMatch(/You are searching too fast\. Wait \d+ seconds? and try again\./);
    expect(page).toContain('value="exam"');
    // Another person is not limited by Ada's searches.
    expect(await (await bola.client.get('/search?q=timetable')).text()).toContain('1 result<');
  });

  test('a hit older than the latest page opens the older page around it: a fixed window with a way back to the latest', async () => {
    const { t, ada, bola, csc } = await setUp();
    await say(t, bola.user, csc.id, 'the syllabus is on the portal');
    for (let i = 0; i < 60; i++) await say(t, bola.user, csc.id, `filler ${i}`);
    await say(t, bola.user, csc.id, 'syllabus updated today');
    const results = await (await ada.client.get('/search?q=syllabus')).text();
    const hrefs = [...results.matchAll(/<li><a href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(hrefs[0]).toMatch(new RegExp(`^/rooms/${csc.id}#m-`)); // the recent one: the live room
    expect(hrefs[1]).toMatch(new RegExp(`^/rooms/${csc.id}\\?before=26#m-`)); // seq 1: 25 after it
    const old = await (await ada.client.get(hrefs[1]!.split('#')[0]!)).text();
    expect(old).toContain(`id="${hrefs[1]!.split('#')[1]}"`);
    expect(old).toContain('the syllabus is on the portal');
    expect(old).toContain('data-history');
    expect(old).toContain('Go to the latest messages');
    expect(old).not.toContain('id="composer"');
    const latest = await (await ada.client.get(`/rooms/${csc.id}`)).text();
    expect(latest).not.toContain('data-history');
    expect(latest).toContain('id="composer"');
  });

  test('a user in no rooms finds nothing; a deleted message is not found', async () => {
    const { t, ada, lecturer, csc } = await setUp();
    const lonely = await signedIn(t, 'lonely@unilag.edu.ng', 'Lonely');
    const m = await say(t, ada.user, csc.id, 'ephemeral words');
    expect(await (await lonely.client.get('/search?q=ephemeral')).text()).toContain('0 results');
    expect(await (await lecturer.client.get('/search?q=ephemeral')).text()).toContain('1 result<');
    await t.store.messages.delete(csc.id, m.id, ada.user.id);
    expect(await (await lecturer.client.get('/search?q=ephemeral')).text()).toContain('0 results');
  });
});

describe('POST /rooms', () => {
  test('a lecturer creates a course room and is sent to it (303)', async () => {
    const { t, lecturer } = await setUp();
    const r = await lecturer.client.post('/rooms', { code: 'phy 102', name: 'Waves & Optics' });
    expect(r.status).toBe(303);
    const created = (await t.store.rooms.byCode('PHY102'))!;
    expect(created).toMatchObject({ name: 'Waves & Optics', createdBy: lecturer.user.id });
    expect(r.headers.get('location')).toBe(`/rooms/${created.id}`);
    const page = await lecturer.client.get(`/rooms/${created.id}`);
    expect(page.status).toBe(200);
    // She is alone in it, and told how students get in (she cannot add them: see views/people.ts).
    expect(await page.text()).toContain("Only you are in this room so far. Students are added by the university's administrators from the class list.");
  });

  test('a code longer than the form used to allow is refused in full, with what it should look like (QA: the form cut it at 12 characters first)', async () => {
    const { t, lecturer } = await setUp();
    const form = await (await lecturer.client.get('/rooms/new')).text();
    expect(form).toContain('name="code" required maxlength="40"');
    const r = await lecturer.client.post('/rooms', { code: 'GST101-2026/27', name: 'Use of English' });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('Course code &quot;GST101-2026/27&quot; should look like CSC101 or GST 111.');
    expect(await t.store.rooms.listCourses({ includeArchived: true })).toHaveLength(2);
  });

  test('a student is refused (403) and nothing is created', async () => {
    const { t, ada } = await setUp();
    const r = await ada.client.post('/rooms', { code: 'PHY102', name: 'Mine' });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('Only lecturers and administrators can create course rooms.');
    expect(await t.store.rooms.byCode('PHY102')).toBeNull();
    const page = await ada.client.get('/rooms/new');
    expect(page.status).toBe(403);
  });

  test('a duplicate code is 409 and a bad code 400, with the form filled in again (escaped)', async () => {
    const { lecturer } = await setUp();
    const dup = await lecturer.client.post('/rooms', { code: 'csc101', name: 'Again' });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain('A room with code CSC101 already exists.');
    const bad = await lecturer.client.post('/rooms', { code: '<b>x', name: '"><script>1</script>' });
    expect(bad.status).toBe(400);
    const body = await bad.text();
    expect(body).not.toContain('<script>1</script>');
    expect(body).toContain('value="&quot;&gt;&lt;script&gt;1&lt;/script&gt;"');
  });

  test('a cross-site POST is refused before it reaches the route', async () => {
    const { t, lecturer } = await setUp();
    const r = await lecturer.client.post('/rooms', { code: 'EVL101', name: 'Evil' }, { headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    expect(await t.store.rooms.byCode('EVL101')).toBeNull();
  });
});

describe('POST /dm', () => {
  test('starts (or reopens) a conversation and redirects to it', async () => {
    const { t, ada, bola } = await setUp();
    const r = await ada.client.post('/dm', { user: bola.user.id });
    expect(r.status).toBe(303);
    const dm = (await t.store.rooms.byDmKey([ada.user.id, bola.user.id].sort().join(':')))!;
    expect(r.headers.get('location')).toBe(`/rooms/${dm.id}`);
    const again = await bola.client.post('/dm', { user: ada.user.id });
    expect(again.headers.get('location')).toBe(`/rooms/${dm.id}`);
    // The DM is titled with the other person's name.
    expect(await (await bola.client.get(`/rooms/${dm.id}`)).text()).toContain('<h1>Ada Obi</h1>');
  });

  test('refused by the policy: 403 with the reason, nothing created', async () => {
    const { t, ada } = await setUp();
    const minor = await signedIn(t, 'tobi@unilag.edu.ng', 'Tobi Young', 'student', { dateOfBirth: MINOR_DOB });
    const r = await ada.client.post('/dm', { user: minor.user.id });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('You cannot start a conversation with this person.');
    const r2 = await minor.client.post('/dm', { user: ada.user.id });
    expect(r2.status).toBe(403);
    expect(await r2.text()).toContain('You can message staff, and students who share a course with you.');
    expect(await t.store.rooms.listForUser(ada.user.id)).toHaveLength(1); // just CSC101
    expect(await t.store.rooms.listForUser(minor.user.id)).toEqual([]);
  });

  test('an unknown person is 404; oneself is 403', async () => {
    const { ada } = await setUp();
    expect((await ada.client.post('/dm', { user: 'nobody' })).status).toBe(404);
    const self = await ada.client.post('/dm', { user: ada.user.id });
    expect(self.status).toBe(403);
    expect(await self.text()).toContain('You cannot start a conversation with yourself.');
  });

  test('a cross-site POST is 403 and creates nothing', async () => {
    const { t, ada, bola } = await setUp();
    const r = await ada.client.post('/dm', { user: bola.user.id }, { headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    expect(await r.text()).toBe('Cross-site request refused.');
    // Without Sec-Fetch-Site, a foreign Origin is refused too.
    const r2 = await ada.client.post('/dm', { user: bola.user.id }, { headers: { 'sec-fetch-site': '', origin: 'https://evil.example' } });
    expect(r2.status).toBe(403);
    expect(await t.store.rooms.byDmKey([ada.user.id, bola.user.id].sort().join(':'))).toBeNull();
    // The same-origin request works.
    const ok = await ada.client.post('/dm', { user: bola.user.id }, { headers: { origin: ORIGIN } });
    expect(ok.status).toBe(303);
  });
});

describe('GET /people and POST /groups', () => {
  test('/people offers an adult every active person, a minor too, whom the conversation then refuses; the minor is offered only whom she may message', async () => {
    const { t, ada } = await setUp();
    const tobi = await signedIn(t, 'tobi@unilag.edu.ng', 'Tobi Young', 'student', { dateOfBirth: MINOR_DOB });
    const body = await (await ada.client.get('/people?q=unilag')).text();
    expect(body).toContain('Bola Ade');
    expect(body).toContain('Dr Okafor');
    // Left out, she would be known to be under 18 by anyone who knows her name.
    expect(body).toContain('Tobi Young');
    expect(body).not.toContain('<strong>Ada Obi</strong>');
    const refused = await ada.client.post('/dm', { user: tobi.user.id });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('You cannot start a conversation with this person.');
    const kids = await (await tobi.client.get('/people?q=unilag')).text();
    expect(kids).toContain('Dr Okafor');
    expect(kids).not.toContain('Bola Ade');
    // Addresses: staff's and classmates' (a group needs them), not any other student's, minor or
    // not: the page listed every minor's address to any adult.
    expect(body).toContain('Dr Okafor</strong> <span class="hint">lecturer · okafor@unilag.edu.ng</span>');
    expect(body).toContain('Bola Ade</strong> <span class="hint">student · bola@unilag.edu.ng</span>');
    expect(body).toContain('Cid Eze</strong> <span class="hint">student</span>');
    expect(body).toContain('Tobi Young</strong> <span class="hint">student</span>');
    expect(body).not.toContain('tobi@unilag.edu.ng');
  });

  test('POST /groups creates a group from emails; unknown emails are listed; the policy applies', async () => {
    const { t, ada, bola, lecturer } = await setUp();
    const r = await ada.client.post('/groups', { name: 'Project', emails: `${bola.user.email}, ${lecturer.user.email.toUpperCase()}` });
    expect(r.status).toBe(303);
    const id = r.headers.get('location')!.replace('/rooms/', '');
    expect((await t.store.rooms.members(id)).map((m) => m.userId).sort()).toEqual([ada.user.id, bola.user.id, lecturer.user.id].sort());

    const missing = await ada.client.post('/groups', { name: 'Project', emails: `${bola.user.email}\nghost@unilag.edu.ng` });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('You cannot add ghost@unilag.edu.ng: no account with that address is someone you can message.');

    // A minor Ada may not message gets the very answer an address nobody has gets: the form is no
    // way to find out who is under 18.
    const minor = await signedIn(t, 'tobi@unilag.edu.ng', 'Tobi Young', 'student', { dateOfBirth: MINOR_DOB });
    const refused = await ada.client.post('/groups', { name: 'Mixed', emails: `${bola.user.email} ${minor.user.email}` });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('You cannot add tobi@unilag.edu.ng: no account with that address is someone you can message.');
    expect(await t.store.rooms.listForUser(minor.user.id)).toEqual([]);
    // Unseen by Ada, the try is filed under the minor for the safeguarding officers (an address
    // nobody has files nothing), and every refused try costs one of the hour's groups.
    expect(await t.store.audit.list({ action: 'contact.refused', target: minor.user.id })).toMatchObject([{ actorId: ada.user.id, details: { via: 'group' } }]);
    expect(await t.store.audit.list({ action: 'contact.refused', actorId: ada.user.id })).toHaveLength(1);
    // Nor does a suspended account answer differently; several are named in one line.
    await t.store.users.update(bola.user.id, { status: 'suspended' });
    const both = await ada.client.post('/groups', { name: 'Mixed', emails: `${bola.user.email} ghost@unilag.edu.ng` });
    expect(await both.text()).toContain(`You cannot add ${bola.user.email}, ghost@unilag.edu.ng: no accounts with those addresses are people you can message.`);
    // Each refused address costs a try: one group made and four addresses refused leave 15 tries,
    // and a list with more refused addresses than that is refused naming none of them.
    const list = Array.from({ length: 16 }, (_, i) => `guess${i}@unilag.edu.ng`).join(' ');
    const tooMany = await ada.client.post('/groups', { name: 'Sorting', emails: `${list} ${minor.user.email}` });
    expect(tooMany.status).toBe(429);
    expect((await tooMany.text()).match(/role="alert">([^<]*)</)?.[1]).toBe('You have started, added to or tried to start many groups in a short time: try again in 60 minutes.');
    expect(await t.store.audit.list({ action: 'contact.refused', actorId: ada.user.id })).toHaveLength(1);
    expect((await ada.client.post('/groups', { name: 'Project 2', emails: lecturer.user.email })).status).toBe(429);
  });

  test('leaving a group: the room page links to a confirmation (no script needed), the POST leaves and goes to the room list; courses and DMs cannot be left', async () => {
    const { t, ada, bola, csc, secret } = await setUp();
    const made = await ada.client.post('/groups', { name: 'Study <group>', emails: bola.user.email });
    const id = made.headers.get('location')!.replace('/rooms/', '');
    expect(await (await bola.client.get(`/rooms/${id}`)).text()).toContain(`<a class="leave" href="/rooms/${id}/leave">Leave group</a>`);
    expect(await (await bola.client.get(`/rooms/${csc.id}`)).text()).not.toContain('Leave group');
    const ask = await bola.client.get(`/rooms/${id}/leave`);
    expect(ask.status).toBe(200);
    const page = await ask.text();
    expect(page).toContain('<h1>Leave Study &lt;group&gt;?</h1>');
    expect(page).toContain(`<form method="post" action="/rooms/${id}/leave"`);
    // A course room's or a stranger's: back to the room, or 404.
    expect((await bola.client.get(`/rooms/${csc.id}/leave`)).headers.get('location')).toBe(`/rooms/${csc.id}`);
    expect((await bola.client.get(`/rooms/${secret.id}/leave`)).status).toBe(404);
    expect((await bola.client.post(`/rooms/${secret.id}/leave`, {})).status).toBe(404);
    const course = await bola.client.post(`/rooms/${csc.id}/leave`, {});
    expect(course.status).toBe(400);
    expect(await t.store.rooms.membership(csc.id, bola.user.id)).not.toBeNull();

    const left = await bola.client.post(`/rooms/${id}/leave`, {});
    expect(left.status).toBe(303);
    expect(left.headers.get('location')).toBe('/');
    expect(await t.store.rooms.membership(id, bola.user.id)).toBeNull();
    expect((await bola.client.get(`/rooms/${id}`)).status).toBe(404);
    expect((await t.store.audit.list({ action: 'room.leave' }))[0]).toMatchObject({ actorId: bola.user.id, target: id, origin: expect.stringMatching(/^10\.1\.0\./) });
  });
});
