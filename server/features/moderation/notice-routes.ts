/**
 * /safeguarding: the affected person's notices and their statement (the fair hearing's user side).
 * Signed-in users only; a notice about someone else is 404 (submitStatement checks who is affected).
 * Blocked and restricted accounts keep this page: it is how they respond.
 */
import { Elysia, t } from 'elysia';
import type { AppContext } from '../../deps';
import { AppError, httpStatus } from '../../errors';
import { sendHtml, seeOther } from '../../http/respond';
import { appShell } from '../../../views/shell';
import { safeguardingPage, type NoticeView } from '../../../views/safeguarding';
import { viewerPlugin } from '../accounts/guard';
import type { ChatContext } from '../chat/context';
import type { User } from '../../store/types';
import { canSubmitStatement, MAX_STATEMENT } from './hearing';
import { noticesFor } from './notices';
import { submitStatement } from './sanctions';

export function noticeRoutes(app: AppContext, chat: ChatContext) {
  const render = async (user: User, opts: { status?: string | null; error?: string | null } = {}) => {
    const now = Date.now();
    const views: NoticeView[] = (await noticesFor(chat, user)).map(({ s, roomName }) => {
      const check = canSubmitStatement(s, { affected: true, now });
      return { s, roomName, canRespond: check.ok, ownStatement: s.statementBy === user.id, closedReason: check.ok || s.status !== 'active' ? null : check.reason };
    });
    return appShell({ user, title: 'Safeguarding notices', body: safeguardingPage(views, chat.tf, opts), asset: app.assets.url });
  };

  return new Elysia({ name: 'safeguarding-notices' })
    .use(viewerPlugin(app))
    .get(
      '/safeguarding',
      async ({ set, query, requireUser }) => {
        const { user } = await requireUser();
        return sendHtml(set, await render(user, { status: query.sent ? 'Your statement was sent. You will see the outcome here.' : null }));
      },
      { query: t.Object({ sent: t.Optional(t.String({ maxLength: 4 })) }) },
    )
    .post(
      '/safeguarding/:id/statement',
      async ({ set, params, body, requireUser }) => {
        const { user } = await requireUser();
        try {
          await submitStatement(chat, user, params.id, body.statement);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(set, await render(user, { error: e.message }), httpStatus(e));
        }
        return seeOther(set, '/safeguarding?sent=1');
      },
      // A little over the limit so that a long statement gets the action's clear message, not a schema error.
      { params: t.Object({ id: t.String({ maxLength: 64 }) }), body: t.Object({ statement: t.String({ maxLength: MAX_STATEMENT * 4 }) }) },
    );
}
