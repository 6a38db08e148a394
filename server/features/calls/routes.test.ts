/**
 * The signalling socket (/rtc) and the call bar on a real listening server: upgrade checks,
 * membership checked at join, bad messages answered without closing, call-state pushes to the
 * room's members, and the bar for members only.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { addMembers, archiveRoom, removeMember, setRoomRole, startDm } from '../chat/rooms';
import { topics } from '../../realtime/topics';
import type { Store } from '../../store/types';
import { person, socket, start, stopStarted, until } from './test-support';

afterEach(stopStarted);

/** Ada (owner) starts a group call in a new course room and Olu (member) joins it. */
async function twoInCall(code: string) {
  const s = await start();
  const ada = await person(s, 'ada@unilag.edu.ng');
  const olu = await person(s, 'olu@unilag.edu.ng');
  const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code, name: code, topic: '', createdBy: null, dmKey: null }, [
    { userId: ada.user.id, role: 'owner' },
    { userId: olu.user.id, role: 'member' },
  ]);
  const a = socket(s.origin, { cookie: ada.cookie, origin: s.origin });
  const o = socket(s.origin, { cookie: olu.cookie, origin: s.origin });
  await Promise.all([a.opened, o.opened]);
  a.send({ type: 'join', room: room.id, start: 'group' });
  await until(() => a.got.some((m) => m.type === 'joined'));
  o.send({ type: 'join', room: room.id });
  await until(() => o.got.some((m) => m.type === 'joined'));
  return { s, ada, olu, room, a, o };
}

describe('/rtc and the call bar', () => {
  test('signing a user out everywhere (hub.closeUser) ends their call too', async () => {
    const s = await start();
    const ada = await person(s, 'ada@unilag.edu.ng');
    const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC102', name: 'Intro', topic: '', createdBy: null, dmKey: null }, [{ userId: ada.user.id, role: 'member' }]);
    const a = socket(s.origin, { cookie: ada.cookie, origin: s.origin });
    await a.opened;
    a.send({ type: 'join', room: room.id, start: 'group' });
    await until(() => a.got.some((m) => m.type === 'joined'));
    s.app.hub.closeUser(ada.user.id, 4401, 'Signed out');
    expect(await a.closed).toBe(4401);
    await until(() => s.app.sfu.stats().participants === 0);
    expect(s.app.sfu.stats()).toMatchObject({ calls: 0, participants: 0 });
  });

  test('upgrade needs a same-site Origin and a session', async () => {
    const s = await start();
    const ada = await person(s, 'ada@unilag.edu.ng');
    expect(await socket(s.origin, { cookie: ada.cookie }).opened).toBe(false);
    expect(await socket(s.origin, { cookie: ada.cookie, origin: 'https://evil.example' }).opened).toBe(false);
    expect(await socket(s.origin, { origin: s.origin }).opened).toBe(false);
    const ok = socket(s.origin, { cookie: ada.cookie, origin: s.origin });
    expect(await ok.opened).toBe(true);
    ok.ws.close();
  });

  test('members join (the bar is pushed to the room), non-members are closed with 4404, bad messages get an error', async () => {
    const s = await start();
    const ada = await person(s, 'ada@unilag.edu.ng');
    const olu = await person(s, 'olu@unilag.edu.ng');
    const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC101', name: 'Intro', topic: '', createdBy: null, dmKey: null }, [{ userId: ada.user.id, role: 'member' }]);

    const a = socket(s.origin, { cookie: ada.cookie, origin: s.origin });
    await a.opened;
    a.send({ type: 'view', mode: 'low' });
    a.send({ type: 'nonsense' });
    await until(() => a.got.length === 2);
    expect(a.got).toEqual([
      { type: 'error', message: 'Join the call first.' },
      { type: 'error', message: 'The call sent something the server could not understand.' },
    ]);
    a.send({ type: 'join', room: room.id });
    a.send({ type: 'join', room: room.id, start: 'lecture' });
    a.send({ type: 'join', room: room.id, start: 'group' });
    await until(() => a.got.some((m) => m.type === 'joined'));
    expect(a.got.slice(2, 4)).toEqual([
      { type: 'error', message: 'There is no call in this room right now.' },
      { type: 'error', message: 'Only the lecturer or the room owner can start a lecture.' },
    ]);
    expect(a.got.find((m) => m.type === 'joined')).toMatchObject({ call: { room: room.id, mode: 'group' }, you: { canPublish: true }, iceServers: [] });
    const pushes = () => s.hub.log.filter((e) => e.topic === topics.room(room.id)).map((e) => e.data);
    await until(() => pushes().length === 1);
    expect(pushes()[0]).toContain(`<hx-partial hx-target="#call-status-${room.id}" hx-swap="outerHTML"><span class="call-status" id="call-status-${room.id}" data-active="true" data-mode="group">Call in progress · 1 person</span>`);
    // The bar, as a member loads it, shows the call; a non-member gets 404.
    const bar = await (await ada.client.get(`/rooms/${room.id}/call`)).text();
    expect(bar).toContain('data-active="true"');
    expect(bar).toContain('Join call');
    expect(bar).not.toContain('Start lecture');
    expect((await olu.client.get(`/rooms/${room.id}/call`)).status).toBe(404);
    // The status alone (a page whose bar may be stale asks for it), members only.
    const status = await ada.client.get(`/rooms/${room.id}/call/status`);
    expect(status.status).toBe(200);
    expect(await status.text()).toBe(`<span class="call-status" id="call-status-${room.id}" data-active="true" data-mode="group">Call in progress · 1 person</span>`);
    expect((await olu.client.get(`/rooms/${room.id}/call/status`)).status).toBe(404);

    const o = socket(s.origin, { cookie: olu.cookie, origin: s.origin });
    await o.opened;
    o.send({ type: 'join', room: room.id });
    expect(await o.closed).toBe(4404);
    expect(o.got).toEqual([]);

    // Closing the socket leaves the call; the last one out ends it.
    a.ws.close();
    await until(() => pushes().length === 2);
    expect(pushes()[1]).toContain('data-active="false"');
    expect(s.app.sfu.stats()).toMatchObject({ calls: 0, participants: 0 });
  });
  test('a member removed from the room leaves its call at once (4404); the others stay', async () => {
    const { s, ada, olu, room, a, o } = await twoInCall('CSC102');
    expect(s.app.sfu.stats()).toMatchObject({ calls: 1, participants: 2 });
    await removeMember(s.app.chat, { userId: ada.user.id, origin: 'test' }, room.id, olu.user.id);
    expect(await o.closed).toBe(4404);
    await until(() => s.app.sfu.stats().participants === 1);
    expect(s.app.sfu.stats()).toMatchObject({ calls: 1, participants: 1 });
    a.ws.close();
  });
  test('a room owner who is made a plain member leaves the call to rejoin with that seat; a change that keeps the seat does not; archiving ends the call', async () => {
    const { s, ada, olu, room, a, o } = await twoInCall('CSC103');
    const actor = { userId: null, origin: 'test' };
    await setRoomRole(s.app.chat, actor, room.id, olu.user.id, 'moderator'); // not a host either way
    await Bun.sleep(100);
    expect(o.code()).toBeNull();
    await setRoomRole(s.app.chat, actor, room.id, ada.user.id, 'member'); // was the owner: a host
    expect(await a.closed).toBe(4403);
    await until(() => s.app.sfu.stats().participants === 1);
    await archiveRoom(s.app.chat, actor, room.id, true);
    expect(await o.closed).toBe(4403);
    await until(() => s.app.sfu.stats().calls === 0);
    // An archived room's status offers no call (its bar has none).
    expect(await (await olu.client.get(`/rooms/${room.id}/call/status`)).text()).toContain('data-closed="true"');
  });
  test('a member removed, or blocked, while their join is still reading the store does not keep the seat', async () => {
    let slow = false;
    // Sanctions reads take 300 ms (a slow MongoDB): the join's checks are in flight when the removal lands.
    const slowSanctions = (store: Store): Store => {
      const list = store.sanctions.list.bind(store.sanctions);
      store.sanctions.list = async (...a) => {
        const r = await list(...a);
        if (slow) await Bun.sleep(300);
        return r;
      };
      return store;
    };
    const s = await start(slowSanctions);
    const ada = await person(s, 'ada@unilag.edu.ng');
    const olu = await person(s, 'olu@unilag.edu.ng');
    const bisi = await person(s, 'bisi@unilag.edu.ng');
    const room = await s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code: 'CSC401', name: 'CSC401', topic: '', createdBy: null, dmKey: null }, [
      { userId: ada.user.id, role: 'owner' },
      { userId: olu.user.id, role: 'member' },
      { userId: bisi.user.id, role: 'member' },
    ]);
    const [a, o, b] = [ada, olu, bisi].map((p) => socket(s.origin, { cookie: p.cookie, origin: s.origin }));
    await Promise.all([a!.opened, o!.opened, b!.opened]);
    a!.send({ type: 'join', room: room.id, start: 'group' });
    await until(() => a!.got.some((m) => m.type === 'joined'));
    slow = true;
    o!.send({ type: 'join', room: room.id });
    await Bun.sleep(100); // membership checked, the sanctions read in flight
    await removeMember(s.app.chat, { userId: ada.user.id, origin: 'test' }, room.id, olu.user.id);
    expect(await o!.closed).toBe(4404);
    b!.send({ type: 'join', room: room.id });
    await Bun.sleep(100);
    await s.store.sanctions.create({ kind: 'block', userId: bisi.user.id, roomId: room.id, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e6 });
    expect(await b!.closed).toBe(4403);
    slow = false;
    await until(() => s.app.sfu.stats().participants === 1);
    a!.ws.close();
  }, 15_000);

  test('safeguarding: ending a user\'s calls only where a room filter says so (a restriction: rooms with a minor)', async () => {
    const { s, olu, room, a, o } = await twoInCall('CSC104');
    s.app.chat.calls!.endUser(olu.user.id, { where: async () => false });
    await Bun.sleep(100);
    expect(s.app.sfu.stats()).toMatchObject({ calls: 1, participants: 2 });
    const asked: string[] = [];
    s.app.chat.calls!.endUser(olu.user.id, { where: async (roomId) => (asked.push(roomId), true), why: 'restricted' });
    expect(await o.closed).toBe(4403);
    expect(asked).toEqual([room.id]);
    await until(() => s.app.sfu.stats().participants === 1);
    a.ws.close();
  });
  test('safeguarding: a blocked member cannot join; a block ends the call they are in (4403), a freeze ends the room\'s call', async () => {
    const { s, olu, room, a, o } = await twoInCall('CSC103');
    const block = await s.store.sanctions.create({ kind: 'block', userId: olu.user.id, roomId: room.id, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e6 });
    s.app.chat.calls!.endUser(olu.user.id);
    expect(await o.closed).toBe(4403);
    await until(() => s.app.sfu.stats().participants === 1);
    // Joining again is refused while the block is in force; the bar still shows.
    const o2 = socket(s.origin, { cookie: olu.cookie, origin: s.origin });
    await o2.opened;
    o2.send({ type: 'join', room: room.id });
    await until(() => o2.got.length > 0);
    expect(o2.got[0]).toMatchObject({ type: 'error', message: expect.stringContaining('Your account is blocked') });
    expect((await olu.client.get(`/rooms/${room.id}/call`)).status).toBe(200);
    expect(block.status).toBe('active');
    s.app.chat.calls!.endRoom(room.id);
    expect(await a.closed).toBe(4403);
    await until(() => s.app.sfu.stats().calls === 0);
    o2.ws.close();
  });
  test('safeguarding: when a minor is added to the room, a restricted member leaves its call (4403) and cannot rejoin; others stay', async () => {
    const s = await start();
    const adult = await person(s, 'adult@unilag.edu.ng', 'student', { dateOfBirth: '1980-01-01' });
    const peer = await person(s, 'peer@unilag.edu.ng', 'student', { dateOfBirth: '1999-01-01' });
    const kid = await person(s, 'kid@unilag.edu.ng', 'student', { dateOfBirth: '2012-05-05' });
    const mk = (code: string) => s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code, name: code, topic: '', createdBy: null, dmKey: null }, [
      { userId: adult.user.id, role: 'member' },
      { userId: peer.user.id, role: 'owner' },
    ]);
    const [room, other] = [await mk('PHY201'), await mk('PHY202')];
    await s.store.sanctions.create({ kind: 'restriction', userId: adult.user.id, roomId: room.id, caseIds: [], clause: 'SG-1', reason: 'test', evidence: '', actorId: null, deadline: Date.now() + 1e9 });
    const join = async (who: { cookie: string }, roomId: string, start?: 'group') => {
      const ws = socket(s.origin, { cookie: who.cookie, origin: s.origin });
      await ws.opened;
      ws.send({ type: 'join', room: roomId, ...(start ? { start } : {}) });
      await until(() => ws.got.length > 0);
      return ws;
    };
    // No minor in either room yet: the restricted adult may join both calls.
    const p = await join(peer, room.id, 'group');
    const a = await join(adult, room.id);
    const a2 = await join(adult, other.id, 'group');
    expect([p, a, a2].map((x) => x.got[0]!.type)).toEqual(['joined', 'joined', 'joined']);
    expect(s.app.sfu.stats().participants).toBe(3);

    // A minor is added to the first room: the adult's call there ends at once, the other goes on.
    await addMembers(s.app.chat, { userId: peer.user.id, origin: 'test' }, room.id, [{ userId: kid.user.id, role: 'member' }]);
    expect(await a.closed).toBe(4403);
    expect(a.got.at(-1)).toEqual({ type: 'ended', reason: 'removed' });
    await until(() => s.app.sfu.stats().participants === 2);
    expect(s.app.sfu.state(room.id)).toMatchObject({ participants: 1 });
    expect(s.app.sfu.state(other.id)).toMatchObject({ participants: 1 });
    expect(p.code()).toBeNull();
    expect(a2.code()).toBeNull();

    // The minor joins; the adult cannot come back.
    const k = await join(kid, room.id);
    expect(k.got[0]).toMatchObject({ type: 'joined' });
    const again = await join(adult, room.id);
    expect(again.got[0]).toMatchObject({ type: 'error', message: expect.stringContaining('Your account is restricted') });
    // Adding an adult changes nothing for anyone.
    const other2 = await person(s, 'tolu@unilag.edu.ng', 'student', { dateOfBirth: '1990-01-01' });
    await addMembers(s.app.chat, { userId: peer.user.id, origin: 'test' }, other.id, [{ userId: other2.user.id, role: 'member' }]);
    await Bun.sleep(100);
    expect(a2.code()).toBeNull();
    for (const x of [p, a2, k, again]) x.ws.close();
  });

  test('safeguarding: a DM call between an adult student and a minor ends when their shared course ends (removal, then archive); adults\' DM calls go on', async () => {
    const s = await start();
    const adult = await person(s, 'adult@unilag.edu.ng', 'student', { dateOfBirth: '1999-01-01' });
    const peer = await person(s, 'peer@unilag.edu.ng', 'student', { dateOfBirth: '2000-01-01' });
    const kid = await person(s, 'kid@unilag.edu.ng', 'student', { dateOfBirth: '2011-05-05' });
    const kid2 = await person(s, 'kid2@unilag.edu.ng', 'student', { dateOfBirth: '2011-06-06' });
    const course = (code: string, who: { user: { id: string } }[]) =>
      s.store.rooms.create({ id: Bun.randomUUIDv7(), kind: 'course', code, name: code, topic: '', createdBy: null, dmKey: null }, who.map((p) => ({ userId: p.user.id, role: 'member' as const })));
    const c1 = await course('BIO101', [adult, kid, peer]);
    const c2 = await course('BIO102', [adult, kid2, peer]);
    const dm = async (a: typeof adult, b: typeof adult) => (await startDm(s.app.chat, (await s.store.users.byId(a.user.id))!, b.user.id)).id;
    const [withKid, withKid2, withPeer] = [await dm(adult, kid), await dm(adult, kid2), await dm(adult, peer)];
    const join = async (who: { cookie: string }, roomId: string, start?: 'group') => {
      const ws = socket(s.origin, { cookie: who.cookie, origin: s.origin });
      await ws.opened;
      ws.send({ type: 'join', room: roomId, ...(start ? { start } : {}) });
      await until(() => ws.got.length > 0);
      expect(ws.got[0]).toMatchObject({ type: 'joined' });
      return ws;
    };
    const [a1, k1, a2, k2, a3, p3] = [await join(adult, withKid, 'group'), await join(kid, withKid), await join(adult, withKid2, 'group'), await join(kid2, withKid2), await join(adult, withPeer, 'group'), await join(peer, withPeer)];
    const actor = { userId: null, origin: 'test' };

    // The adult leaves the course they shared with the first minor: that DM's call ends for both.
    await removeMember(s.app.chat, actor, c1.id, adult.user.id);
    expect(await a1.closed).toBe(4403);
    expect(await k1.closed).toBe(4403);
    expect(s.app.sfu.state(withKid)).toBeNull();
    for (const x of [a2, k2, a3, p3]) expect(x.code()).toBeNull();
    const again = socket(s.origin, { cookie: adult.cookie, origin: s.origin });
    await again.opened;
    again.send({ type: 'join', room: withKid, start: 'group' });
    await until(() => again.got.length > 0);
    expect(again.got[0]).toMatchObject({ type: 'error', message: expect.stringContaining('read-only') });

    // The second course is archived: nobody shares it any more; the adults' DM call goes on.
    await archiveRoom(s.app.chat, actor, c2.id, true);
    expect(await a2.closed).toBe(4403);
    expect(await k2.closed).toBe(4403);
    await Bun.sleep(100);
    expect(a3.code()).toBeNull();
    expect(p3.code()).toBeNull();
    expect(s.app.sfu.state(withPeer)).toMatchObject({ participants: 2 });
    for (const x of [again, a3, p3]) x.ws.close();
  });

  test('a .local (mDNS) ICE candidate does not hold up the messages after it', async () => {
    const { s, a, o } = await twoInCall('CSC105');
    o.send({ type: 'offer', sdp: recvOnlyOffer(), sources: {} });
    await until(() => o.got.some((m) => m.type === 'answer'));
    for (let i = 0; i < 3; i++) o.send({ type: 'candidate', pc: 'pub', candidate: { candidate: `candidate:${i} 1 udp 2122260223 ${crypto.randomUUID()}.local ${50000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });
    const t0 = performance.now();
    o.send({ type: 'view', mode: 'low' });
    await until(() => o.got.some((m) => m.type === 'view'), 5000);
    expect(performance.now() - t0).toBeLessThan(1000); // was 10 s per candidate (werift waited for an mDNS answer)
    expect(o.got.filter((m) => m.type === 'error')).toEqual([]);
    expect(s.app.sfu.stats().participants).toBe(2);
    a.ws.close();
    o.ws.close();
  });

  test('closing the socket leaves the call at once: messages it still had queued are dropped', async () => {
    const { s, a, o } = await twoInCall('CSC106');
    // Every message takes 300 ms to handle: 20 queued would keep the seat for 6 s.
    const handle = s.app.sfu.handle.bind(s.app.sfu);
    let handled = 0;
    s.app.sfu.handle = async (call, p, m) => {
      handled++;
      await Bun.sleep(300);
      return handle(call, p, m);
    };
    for (let i = 0; i < 20; i++) o.send({ type: 'view', mode: 'low' });
    await until(() => handled === 1);
    o.ws.close();
    await o.closed;
    const t0 = performance.now();
    await until(() => s.app.sfu.stats().participants === 1, 2000);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(handled).toBe(1);
    a.ws.close();
  });
});

/** A minimal browser offer werift accepts: one recvonly audio m-line (nothing to declare). */
const recvOnlyOffer = () =>
  ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=fingerprint:sha-256 ' + Array(32).fill('AA').join(':'), 'a=setup:actpass',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly', 'a=rtpmap:111 opus/48000/2'].join('\r\n') + '\r\n';
