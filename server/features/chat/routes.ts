/** Chat pages and fragments over HTTP. Every room route checks membership (404 for non-members). */
import { Elysia, t } from 'elysia';
import type { AppContext } from '../../deps';
import { AppError, httpStatus, notFound } from '../../errors';
import { html } from '../../http/html';
import { sendHtml, seeOther } from '../../http/respond';
import { appShell } from '../../../views/shell';
import { roomMain, roomNav, searchResults } from '../../../views/chat';
import { leaveGroupPage, newGroupPage, newRoomPage, peoplePage } from '../../../views/people';
import { viewerPlugin } from '../accounts/guard';
import { requestInfo } from '../../http/context';
import type { ChatContext } from './context';
import { historyPage, memberRoom, sendMessage, unreadAbove } from './messages';
import { mayMentionClass } from './mentions';
import { mayPin, pinnedCount } from './pins';
import { mayModerate } from './member-room';
import { mayLead } from './posting';
import { createCourseRoom, emailsShown, findPeople, roomTitle, startDm, summaries } from './rooms';
import { contactsByEmails, createGroup, leaveGroup } from './groups';
import { searchMessages, searchWords } from './search';
import type { User } from '../../store/types';
import { openNoticeCount } from '../moderation/notices';
import { postingSlot } from '../moderation/posting-banner';
import { heldWaitingBanner, noticeBanner, postingBanner } from '../../../views/safeguarding';
import { isOfficer } from '../accounts/model';
import { officersWaiting } from '../moderation/cases';

const RoomParams = t.Object({ id: t.String({ maxLength: 64 }) });

export function chatRoutes(app: AppContext, chat: ChatContext) {
  const shell = (user: User, title: string, body: ReturnType<typeof html>, roomOpen = false, banner?: ReturnType<typeof html>) => appShell({ user, title, body, asset: app.assets.url, roomOpen, banner });
  /** Safeguarding: a link to the person's notices while one applies; a room says why they cannot post in it. */
  const banner = async (user: User, roomId?: string) => {
    const [count, slot, held] = await Promise.all([
      openNoticeCount(chat, user),
      roomId ? postingSlot(app.store, user, roomId) : null,
      // Officers learn in the app that held messages wait (without SMTP or a webhook nothing else tells them).
      isOfficer(user) ? officersWaiting(app.store) : undefined,
    ]);
    return html`${heldWaitingBanner(held)}${noticeBanner(count)}${roomId && slot ? postingBanner(roomId, slot.frozen, slot.account) : ''}`;
  };
  const nav = async (user: User, currentId: string | null) => roomNav(await summaries(chat, user), currentId, user.role !== 'student');
  const canCreate = (u: User) => u.role !== 'student';
  const actor = (u: User, r: Request) => ({ userId: u.id, origin: requestInfo(r).ip ?? 'unknown', user: u });

  return new Elysia({ name: 'chat' })
    .use(viewerPlugin(app))
    .get('/', async ({ set, requireUser }) => {
      const { user } = await requireUser();
      const body = html`${await nav(user, null)}<main class="room empty" id="room"><h1 class="visually-hidden">Lets Talk</h1><p class="hint">Choose a room, or start a new message.</p></main>`;
      return sendHtml(set, shell(user, 'Rooms', body, false, await banner(user)));
    })
    .get(
      '/rooms/:id',
      async ({ set, params, query, requireUser }) => {
        const { user } = await requireUser();
        const { room, membership } = await memberRoom(chat, user, params.id);
        // Read before the history: every change up to here is in the page, later ones are replayed.
        const lastRev = await app.store.messages.settledSeq(room.id);
        // Likewise for reactions (chat/reactions.ts): changes after this time are caught up on connecting.
        const reactionsAt = Date.now();
        // ?before= is the "Load older messages" link's target when the page runs without JavaScript.
        const page = await historyPage(chat, user, room.id, query.before);
        const history = query.before !== undefined && query.before <= room.lastSeq;
        // Unread messages older than this page would be marked read unseen: the page offers them.
        const above = history ? null : await unreadAbove(chat, user, membership, page.oldestSeq);
        // Opening the room reads it: the unread count starts from here.
        if (room.lastSeq > membership.lastReadSeq) await app.store.rooms.markRead(room.id, user.id, room.lastSeq);
        const [members, pins] = await Promise.all([app.store.rooms.members(room.id), pinnedCount(chat, room.id)]);
        const main = roomMain({
          room,
          lastRev,
          reactionsAt,
          title: await roomTitle(chat, room, user),
          articles: page.articles,
          oldestSeq: page.oldestSeq,
          more: page.more,
          canModerate: mayModerate(user, membership),
          canPin: mayPin(user, membership, room) && !room.archived,
          mayLead: mayLead(user, membership, room),
          pins,
          officer: isOfficer(user),
          memberCount: members.length,
          history,
          lastReadSeq: membership.lastReadSeq,
          unreadAbove: above,
          mayCallClass: mayMentionClass(user, membership, room),
        });
        return sendHtml(set, shell(user, await roomTitle(chat, room, user), html`${await nav(user, room.id)}${main}`, true, await banner(user, room.id)));
      },
      { params: RoomParams, query: t.Object({ before: t.Optional(t.Numeric({ minimum: 1 })) }) },
    )
    .get(
      '/rooms/:id/messages',
      async ({ set, params, query, requireUser }) => {
        const { user } = await requireUser();
        const page = await historyPage(chat, user, params.id, query.before);
        return sendHtml(set, page.chunk);
      },
      { params: RoomParams, query: t.Object({ before: t.Optional(t.Numeric({ minimum: 1 })) }) },
    )
    .post(
      '/rooms/:id/messages',
      async ({ set, params, body, requireUser }) => {
        // Without JavaScript the composer posts here (with it, the message goes over the socket).
        const { user } = await requireUser();
        try {
          await sendMessage(chat, user, { roomId: params.id, clientId: body.clientId ?? `form-${Bun.randomUUIDv7()}`, body: body.body, replyTo: body.replyTo });
        } catch (e) {
          if (!(e instanceof AppError) || e.kind === 'not_found') throw e;
          return sendHtml(set, shell(user, 'Message not sent', html`<main class="card"><h1>Message not sent</h1><p role="alert">${e.message}</p><p class="link-row"><a href="/rooms/${params.id}">Back to the room</a></p></main>`), httpStatus(e));
        }
        return seeOther(set, `/rooms/${params.id}`);
      },
      {
        params: RoomParams,
        body: t.Object({ body: t.String({ maxLength: 20_000 }), clientId: t.Optional(t.String({ maxLength: 64 })), type: t.Optional(t.String({ maxLength: 10 })), room: t.Optional(t.String({ maxLength: 64 })), replyTo: t.Optional(t.String({ maxLength: 64 })) }),
      },
    )
    .get(
      '/rooms/:id/messages/:mid/text',
      async ({ set, params, requireUser }) => {
        // The raw text of one's own message, for the edit box (the page shows it formatted).
        const { user } = await requireUser();
        const { room } = await memberRoom(chat, user, params.id);
        const m = await app.store.messages.byId(room.id, params.mid);
        if (!m || m.senderId !== user.id || m.deletedAt) throw notFound('No such message.');
        set.headers['content-type'] = 'text/plain; charset=utf-8';
        set.headers['cache-control'] = 'no-store';
        return m.body;
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }), mid: t.String({ maxLength: 64 }) }) },
    )
    .get(
      '/search',
      async ({ set, query, requireUser }) => {
        const { user } = await requireUser();
        const q = (query.q ?? '').trim();
        if (q && !searchWords(q).length) return sendHtml(set, shell(user, 'Search', searchResults(q, [], chat.tf, 'Type at least two letters or digits of a word.')));
        try {
          const hits = q ? await searchMessages(chat, user, q) : [];
          return sendHtml(set, shell(user, 'Search', searchResults(q, hits, chat.tf)));
        } catch (e) {
          if (!(e instanceof AppError) || e.kind !== 'rate_limited') throw e;
          return sendHtml(set, shell(user, 'Search', searchResults(q, [], chat.tf, e.message)), httpStatus(e));
        }
      },
      { query: t.Object({ q: t.Optional(t.String({ maxLength: 200 })) }) },
    )
    .get(
      '/people',
      async ({ set, query, requireUser }) => {
        const { user } = await requireUser();
        const q = query.q ?? '';
        try {
          const people = await findPeople(chat, user, q);
          return sendHtml(set, shell(user, 'New message', peoplePage(q, people, null, await emailsShown(chat, user, people))));
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(set, shell(user, 'New message', peoplePage(q, [], e.message)), httpStatus(e));
        }
      },
      { query: t.Object({ q: t.Optional(t.String({ maxLength: 100 })) }) },
    )
    .post(
      '/dm',
      async ({ set, body, request, requireUser }) => {
        const { user } = await requireUser();
        try {
          const room = await startDm(chat, user, body.user, requestInfo(request).ip ?? 'unknown');
          return seeOther(set, `/rooms/${room.id}`);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(set, shell(user, 'New message', peoplePage('', [], e.message)), httpStatus(e));
        }
      },
      { body: t.Object({ user: t.String({ maxLength: 64 }) }) },
    )
    .get('/rooms/new', async ({ set, requireUser }) => {
      const { user } = await requireUser();
      if (!canCreate(user)) return sendHtml(set, shell(user, 'Not allowed', newRoomPage({}, 'Only lecturers and administrators can create course rooms.')), 403);
      return sendHtml(set, shell(user, 'New room', newRoomPage({})));
    })
    .post(
      '/rooms',
      async ({ set, body, request, requireUser }) => {
        const { user } = await requireUser();
        try {
          const room = await createCourseRoom(chat, actor(user, request), body);
          return seeOther(set, `/rooms/${room.id}`);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(set, shell(user, 'New room', newRoomPage(body, e.message)), httpStatus(e));
        }
      },
      { body: t.Object({ code: t.String({ maxLength: 40 }), name: t.String({ maxLength: 400 }) }) },
    )
    .get(
      '/rooms/:id/leave',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const { room } = await memberRoom(chat, user, params.id);
        if (room.kind !== 'group') return seeOther(set, `/rooms/${room.id}`);
        return sendHtml(set, shell(user, `Leave ${room.name}`, leaveGroupPage(room)));
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .post(
      '/rooms/:id/leave',
      async ({ set, params, request, requireUser }) => {
        const { user } = await requireUser();
        const { room } = await memberRoom(chat, user, params.id);
        try {
          await leaveGroup(chat, user, room.id, requestInfo(request).ip ?? 'unknown');
          return seeOther(set, '/');
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(set, shell(user, `Leave ${room.name}`, leaveGroupPage(room, e.message)), httpStatus(e));
        }
      },
      { params: t.Object({ id: t.String({ maxLength: 64 }) }) },
    )
    .get('/groups/new', async ({ set, requireUser }) => {
      const { user } = await requireUser();
      return sendHtml(set, shell(user, 'New group', newGroupPage({})));
    })
    .post(
      '/groups',
      async ({ set, body, request, requireUser }) => {
        const { user } = await requireUser();
        try {
          const users = await contactsByEmails(chat, actor(user, request), body.emails);
          const room = await createGroup(chat, user, { name: body.name, memberIds: users.map((u) => u.id) }, requestInfo(request).ip ?? 'unknown');
          return seeOther(set, `/rooms/${room.id}`);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(set, shell(user, 'New group', newGroupPage(body, e.message)), httpStatus(e));
        }
      },
      { body: t.Object({ name: t.String({ maxLength: 400 }), emails: t.String({ maxLength: 5000 }) }) },
    );
}
