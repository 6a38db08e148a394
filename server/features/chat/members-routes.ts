/**
 * A room's people page and the owner's changes there (members.ts, groups.ts addToGroup). Every
 * route checks membership through the actions (404 for non-members). Changes answer with a
 * redirect to the page (post/redirect/get: a reload does not repeat them) that says what happened.
 */
import { Elysia, t } from 'elysia';
import type { AppContext } from '../../deps';
import { AppError, httpStatus } from '../../errors';
import { sendHtml, seeOther, type SetLike } from '../../http/respond';
import { requestInfo } from '../../http/context';
import { appShell } from '../../../views/shell';
import { membersPage, removeConfirmPage } from '../../../views/members';
import { viewerPlugin } from '../accounts/guard';
import type { User } from '../../store/types';
import type { ChatContext } from './context';
import { addToGroup, contactsByEmails } from './groups';
import { appointModerator, listMembers, mayManageGroup, removeFromGroup } from './members';
import { memberRoom } from './messages';
import { setAnnouncementsOnly } from './posting';

const Id = t.String({ maxLength: 64 });
/** Said once after a change's redirect (a code, never text from the query: nothing to inject). */
const DONE: Record<string, (who: string, n?: string) => string> = {
  moderator: (who) => `${who} is now a moderator of this room.`,
  member: (who) => `${who} is no longer a moderator.`,
  removed: () => 'They were removed from the group.',
  added: (_, n) => `${n === '1' ? 'One person was' : `${n} people were`} added to the group.`,
  announce: () => 'Only the room’s leaders post here now: everyone else reads, reacts and votes.',
  open: () => 'Everyone in the room posts again.',
};

export function memberRoutes(app: AppContext, chat: ChatContext) {
  const actor = (u: User, r: Request) => ({ userId: u.id, origin: requestInfo(r).ip ?? 'unknown', user: u });
  const page = async (set: SetLike, user: User, roomId: string, q: { q?: string; offset?: number; done?: string; n?: string; user?: string }, error?: AppError, emails?: string) => {
    const list = await listMembers(chat, user, roomId, { q: q.q, offset: q.offset });
    // Named from the store by id, and only a member of the room (a link never carries a name, and the
    // page must not turn any id into a name). Someone removed is no longer a member: "They".
    const who = q.user && (await app.store.rooms.membership(list.room.id, q.user)) ? ((await app.store.users.byId(q.user))?.name ?? 'They') : 'They';
    const done = q.done && Object.hasOwn(DONE, q.done) ? DONE[q.done]!(who, q.n) : null;
    const body = membersPage({ list, q: q.q ?? '', error: error?.message, done, emails });
    return sendHtml(set, appShell({ user, title: `People in ${list.room.name}`, body, asset: app.assets.url }), error ? httpStatus(error) : 200);
  };
  /**
   * Runs a change; a refusal shows the page again with its reason (not-found stays a 404 page), and
   * `emails`, what was typed in the add box (nothing typed is lost).
   */
  const change = async (set: SetLike, user: User, roomId: string, run: () => Promise<string>, emails?: string) => {
    try {
      return seeOther(set, `/rooms/${roomId}/members?${await run()}`);
    } catch (e) {
      if (!(e instanceof AppError) || e.kind === 'not_found') throw e;
      return page(set, user, roomId, {}, e, emails);
    }
  };

  return new Elysia({ name: 'chat-members' })
    .use(viewerPlugin(app))
    .get(
      '/rooms/:id/members',
      async ({ set, params, query, requireUser }) => page(set, (await requireUser()).user, params.id, query),
      {
        params: t.Object({ id: Id }),
        query: t.Object({
          q: t.Optional(t.String({ maxLength: 100 })),
          offset: t.Optional(t.Numeric({ minimum: 0, maximum: 1_000_000 })),
          done: t.Optional(t.String({ maxLength: 20 })),
          n: t.Optional(t.String({ pattern: '^[0-9]{1,3}$' })),
          user: t.Optional(Id),
        }),
      },
    )
    .post(
      '/rooms/:id/members/:userId/role',
      async ({ set, params, body, request, requireUser }) => {
        const { user } = await requireUser();
        return change(set, user, params.id, async () => {
          await appointModerator(chat, actor(user, request), params.id, params.userId, body.role);
          return `done=${body.role}&user=${encodeURIComponent(params.userId)}`;
        });
      },
      { params: t.Object({ id: Id, userId: Id }), body: t.Object({ role: t.Union([t.Literal('moderator'), t.Literal('member')]) }) },
    )
    .post(
      '/rooms/:id/members/:userId/remove',
      async ({ set, params, body, request, requireUser }) => {
        const { user } = await requireUser();
        // Asked first, like every destructive action (QA): a page that works without scripts.
        if (body.confirm !== 'yes') {
          const { room, membership } = await memberRoom(chat, user, params.id);
          const who = mayManageGroup(room, membership) && params.userId !== user.id && (await app.store.rooms.membership(room.id, params.userId)) ? await app.store.users.byId(params.userId) : null;
          if (who) return sendHtml(set, appShell({ user, title: 'Please confirm', body: removeConfirmPage(room, who), asset: app.assets.url }));
        }
        return change(set, user, params.id, async () => {
          await removeFromGroup(chat, actor(user, request), params.id, params.userId);
          return 'done=removed';
        });
      },
      { params: t.Object({ id: Id, userId: Id }), body: t.Object({ confirm: t.Optional(t.Union([t.Literal('yes'), t.Literal('no')])) }) },
    )
    .post(
      '/rooms/:id/announcements',
      async ({ set, params, body, request, requireUser }) => {
        const { user } = await requireUser();
        return change(set, user, params.id, async () => {
          await setAnnouncementsOnly(chat, actor(user, request), params.id, body.on === 'yes');
          return `done=${body.on === 'yes' ? 'announce' : 'open'}`;
        });
      },
      { params: t.Object({ id: Id }), body: t.Object({ on: t.Union([t.Literal('yes'), t.Literal('no')]) }) },
    )
    .post(
      '/rooms/:id/members',
      async ({ set, params, body, request, requireUser }) => {
        const { user } = await requireUser();
        return change(set, user, params.id, async () => {
          const added = await addToGroup(chat, actor(user, request), params.id, await contactsByEmails(chat, actor(user, request), body.emails));
          return `done=added&n=${added.length}`;
        }, body.emails);
      },
      { params: t.Object({ id: Id }), body: t.Object({ emails: t.String({ maxLength: 5000 }) }) },
    );
}
