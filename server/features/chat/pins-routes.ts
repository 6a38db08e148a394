/**
 * Pinned messages over HTTP (pins.ts decides who may): pin or unpin from a message's Pin button
 * (a fetch from the page: `{"changed":bool}`, or the refusal as JSON), the room's list, and Unpin there (a form:
 * post/redirect/get). Every route checks membership (404 for non-members).
 */
import { Elysia, t } from 'elysia';
import type { AppContext } from '../../deps';
import { sendHtml, seeOther } from '../../http/respond';
import { appShell } from '../../../views/shell';
import { pinnedPage } from '../../../views/pins';
import { viewerPlugin } from '../accounts/guard';
import type { ChatContext } from './context';
import { pinMessage, pinnedList } from './pins';
import { roomTitle } from './rooms';

const Id = t.String({ maxLength: 64 });

export function pinRoutes(app: AppContext, chat: ChatContext) {
  return new Elysia({ name: 'chat-pins' })
    .use(viewerPlugin(app))
    .get(
      '/rooms/:id/pinned',
      async ({ set, params, query, requireUser }) => {
        const { user } = await requireUser();
        const list = await pinnedList(chat, user, params.id);
        const title = await roomTitle(chat, list.room, user);
        // A code, never text from the query: nothing to inject.
        const done = query.done === 'unpinned' ? 'The message was unpinned.' : null;
        return sendHtml(set, appShell({ user, title: `Pinned in ${title}`, body: pinnedPage(list, title, chat.tf, done), asset: app.assets.url }));
      },
      { params: t.Object({ id: Id }), query: t.Object({ done: t.Optional(t.String({ maxLength: 20 })) }) },
    )
    .post(
      '/rooms/:id/messages/:message/pin',
      async ({ set, params, body, requireUser }) => {
        const { user } = await requireUser();
        const changed = await pinMessage(chat, user, { roomId: params.id, messageId: params.message, on: body.on !== 'no' });
        set.headers['content-type'] = 'application/json';
        return JSON.stringify({ changed });
      },
      { params: t.Object({ id: Id, message: Id }), body: t.Object({ on: t.Optional(t.Union([t.Literal('yes'), t.Literal('no')])) }) },
    )
    .post(
      '/rooms/:id/pinned/:message/unpin',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        await pinMessage(chat, user, { roomId: params.id, messageId: params.message, on: false });
        return seeOther(set, `/rooms/${params.id}/pinned?done=unpinned`);
      },
      { params: t.Object({ id: Id, message: Id }) },
    );
}
