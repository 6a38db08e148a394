/**
 * The cast of the sanctions tests (sanctions.test.ts, freeze.test.ts): an adult, a minor, an adult
 * peer and two officers; a course room with the minor and one without; screening by the marker-word
 * classifier; officers' notices collected.
 */
import { makePerson, testApp } from '../../testing';
import type { Store, User, UserPatch } from '../../store/types';
import { createChatContext } from '../chat/context';
import { sendMessage } from '../chat/messages';
import { createModeration } from './screen';
import { fakeClassifier } from './test-support';
import type { CaseNotice, Notifier } from './notify';

export const person = (store: Store, email: string, name: string, patch: UserPatch = {}) => makePerson(store, email, name, 'student', patch);

let n = 0;
export const cid = () => `sanction-client-${String(++n).padStart(6, '0')}`;

export async function setUp(policy: { statementMs?: number; restrictAfter?: number } = {}) {
  const t = await testApp();
  const { store, hub } = t;
  const notices: CaseNotice[] = [];
  const notifier: Notifier = { notify: async (x) => void notices.push(x) };
  const moderation = createModeration('minors', () => fakeClassifier, { policy, notifier, publicUrl: 'https://chat.example.edu/' });
  const ctx = createChatContext(store, hub, 'Africa/Lagos', { moderation });
  const adult = await person(store, 'adult@unilag.edu.ng', 'Adult Sender', { dateOfBirth: '1980-01-01' });
  const kid = await person(store, 'kid@unilag.edu.ng', 'Kid Member', { dateOfBirth: '2012-05-05' });
  const peer = await person(store, 'peer@unilag.edu.ng', 'Adult Peer', { dateOfBirth: '1999-01-01' });
  const officerA = await person(store, 'officer-a@unilag.edu.ng', 'Officer A', { permissions: ['safeguarding'] });
  const officerB = await person(store, 'officer-b@unilag.edu.ng', 'Officer B', { permissions: ['safeguarding'] });
  const mk = (kind: 'course' | 'group', code: string | null, members: { userId: string; role: 'owner' | 'member' }[]) =>
    store.rooms.create({ id: Bun.randomUUIDv7(), kind, code, name: code ?? 'Study group', topic: '', createdBy: null, dmKey: null }, members);
  const withKid = await mk('course', 'BIO101', [{ userId: adult.id, role: 'owner' }, { userId: kid.id, role: 'member' }, { userId: peer.id, role: 'member' }]);
  const adultsOnly = await mk('course', 'PHY201', [{ userId: adult.id, role: 'member' }, { userId: peer.id, role: 'owner' }]);
  const a = (u: User) => ({ userId: u.id, origin: '10.0.0.1' });
  return { store, hub, ctx, notices, adult, kid, peer, officerA, officerB, withKid, adultsOnly, a, mk };
}

export type Cast = Awaited<ReturnType<typeof setUp>>;

/** The restriction's line as pages show it: the notices page is a link. */
export const RESTRICTED_LINE =
  '<p class="alert banner" role="status">Your account is restricted: you cannot post where students under 18 are until a safeguarding officer has reviewed it. See <a href="/safeguarding">/safeguarding</a>.</p>';

export const say = (s: Cast, u: User, roomId: string, body: string) => sendMessage(s.ctx, u, { roomId, clientId: cid(), body });
