/**
 * Polls over HTTP (polls.ts decides who may): the form that starts one (plain: post/redirect/get,
 * a refusal comes back with what was typed), and a poll's results (who chose what unless it is
 * anonymous) as a page and as CSV. Votes and closes go over the socket (ws.ts). Every route checks membership (404).
 */
import { Elysia, t } from 'elysia';
import type { AppContext } from '../../deps';
import { AppError, httpStatus } from '../../errors';
import { sendCsv, sendHtml, seeOther } from '../../http/respond';
import { csvName } from '../../lib/csv';
import { appShell } from '../../../views/shell';
import { newPollPage, pollResultsPage, type NewPollValues } from '../../../views/polls';
import type { User } from '../../store/types';
import { viewerPlugin } from '../accounts/guard';
import type { ChatContext } from './context';
import { roomOfMember } from './member-room';
import { mayPin } from './pins';
import { announcementsRefusal, readerOnly } from './posting';
import { createPoll, MAX_OPTION_CHARS, MAX_OPTIONS, MAX_QUESTION_CHARS, pollResults, pollResultsCsv } from './polls';
import { roomTitle } from './rooms';

const Id = t.String({ maxLength: 64 });
const LIMITS = { options: MAX_OPTIONS, question: MAX_QUESTION_CHARS, option: MAX_OPTION_CHARS };
const newClientId = () => `poll-${Bun.randomUUIDv7()}`;

export function pollRoutes(app: AppContext, chat: ChatContext) {
  const page = (user: User, title: string, body: ReturnType<typeof newPollPage>) => appShell({ user, title, body, asset: app.assets.url });
  /** The form, or why it cannot be used, for this member. */
  async function form(user: User, roomId: string, values: NewPollValues, error?: string | null) {
    const { room, membership } = await roomOfMember(chat.store, user.id, roomId);
    const title = await roomTitle(chat, room, user);
    const refused = room.archived
      ? 'This room is archived: you can read it but not post.'
      : readerOnly(user, membership, room)
        ? announcementsRefusal(room)
        : !mayPin(user, membership, room)
          ? 'In a course room only the lecturer, the room’s owners and its moderators start polls.'
          : null;
    return { html: page(user, `New poll in ${title}`, newPollPage(room, title, values, LIMITS, refused ?? error)), refused };
  }

  return new Elysia({ name: 'chat-polls' })
    .use(viewerPlugin(app))
    .get(
      '/rooms/:id/polls/new',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const f = await form(user, params.id, { clientId: newClientId() });
        return sendHtml(set, f.html, f.refused ? 403 : 200);
      },
      { params: t.Object({ id: Id }) },
    )
    .post(
      '/rooms/:id/polls',
      async ({ set, params, body, requireUser }) => {
        const { user } = await requireUser();
        const options = typeof body.option === 'string' ? [body.option] : (body.option ?? []);
        const input = { question: body.question, options, multiple: body.multiple === 'yes', anonymous: body.anonymous === 'yes', hidden: body.hidden === 'yes' };
        try {
          await createPoll(chat, user, { ...input, roomId: params.id, clientId: body.clientId });
        } catch (e) {
          if (!(e instanceof AppError) || e.kind === 'not_found' || e.kind === 'unauthenticated') throw e;
          // Nothing typed is lost: the form comes back filled in, with the same id (a retry is still one poll).
          return sendHtml(set, (await form(user, params.id, { ...input, clientId: body.clientId }, e.message)).html, httpStatus(e));
        }
        return seeOther(set, `/rooms/${params.id}`);
      },
      {
        params: t.Object({ id: Id }),
        body: t.Object({
          question: t.String({ maxLength: 2_000 }),
          option: t.Optional(t.Union([t.String({ maxLength: 1_000 }), t.Array(t.String({ maxLength: 1_000 }), { maxItems: 20 })])),
          multiple: t.Optional(t.Literal('yes')),
          anonymous: t.Optional(t.Literal('yes')),
          hidden: t.Optional(t.Literal('yes')),
          clientId: t.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }),
        }),
      },
    )
    .get(
      '/rooms/:id/polls/:message/results.csv',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const r = await pollResults(chat, user, params.id, params.message);
        return sendCsv(set, csvName(await roomTitle(chat, r.room, user), 'poll', r.message.createdAt), pollResultsCsv(r));
      },
      { params: t.Object({ id: Id, message: Id }) },
    )
    .get(
      '/rooms/:id/polls/:message',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const r = await pollResults(chat, user, params.id, params.message);
        return sendHtml(set, page(user, `Poll: ${r.poll.question}`, pollResultsPage(r, await roomTitle(chat, r.room, user), chat.tf)));
      },
      { params: t.Object({ id: Id, message: Id }) },
    );
}
