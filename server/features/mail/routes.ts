/**
 * The setting for emails about missed messages (GET/POST /settings/email, signed in) and the
 * email's "stop these emails" link (GET/POST /email/stop?u=&t=, no sign-in: the signed token is
 * the authority; GET asks first, since mail scanners open links, and POST turns them off, also as
 * RFC 8058 one-click from a mail provider).
 */
import { Elysia, t } from 'elysia';
import type { AppContext } from '../../deps';
import { sendHtml, seeOther } from '../../http/respond';
import { layout } from '../../../views/layout';
import { emailSettings, stopEmailsPage } from '../../../views/mail';
import { viewerPlugin } from '../accounts/guard';
import { validStopToken } from './links';

// Optional: a link cut short by a mail app gets the "not valid" page, not a bare 400.
const stopQuery = t.Object({ u: t.Optional(t.String({ maxLength: 64 })), t: t.Optional(t.String({ maxLength: 64 })) });

export function mailRoutes(app: AppContext) {
  const page = (title: string, body: ReturnType<typeof emailSettings>) => layout({ title, body, asset: app.assets.url });
  const mail = app.config.missedMail;
  const stopPage = async (set: Parameters<typeof sendHtml>[0], q: { u?: string; t?: string }, act: boolean) => {
    const user = q.u && q.t && validStopToken(app.secrets.sessionKey, q.u, q.t) ? await app.store.users.byId(q.u) : null;
    if (!user) return sendHtml(set, page('Link not valid', stopEmailsPage({ state: 'invalid' })), 404);
    if (!act) return sendHtml(set, page('Stop these emails?', stopEmailsPage({ state: 'ask', action: `/email/stop?u=${encodeURIComponent(user.id)}&t=${encodeURIComponent(q.t!)}` })));
    await app.store.mail.setOff(user.id, true);
    app.logger.info('missed-message emails turned off', { userId: user.id, via: 'link' });
    return sendHtml(set, page('Emails stopped', stopEmailsPage({ state: 'done' })));
  };
  return new Elysia({ name: 'mail' })
    .use(viewerPlugin(app))
    .get(
      '/settings/email',
      async ({ set, query, requireUser }) => {
        const { user } = await requireUser();
        const state = await app.store.mail.state(user.id);
        return sendHtml(set, page('Email notifications', emailSettings({ email: user.email, on: !state.off, available: mail !== null, afterMs: mail?.afterMs ?? null, saved: query.saved === '1' })));
      },
      { query: t.Object({ saved: t.Optional(t.String({ maxLength: 1 })) }) },
    )
    .post(
      '/settings/email',
      async ({ set, body, requireUser }) => {
        const { user } = await requireUser();
        await app.store.mail.setOff(user.id, body.emails === 'off');
        return seeOther(set, '/settings/email?saved=1');
      },
      { body: t.Object({ emails: t.Union([t.Literal('on'), t.Literal('off')]) }) },
    )
    .get('/email/stop', ({ set, query }) => stopPage(set, query, false), { query: stopQuery })
    .post('/email/stop', ({ set, query }) => stopPage(set, query, true), {
      query: stopQuery,
      // A one-click request's body is "List-Unsubscribe=One-Click"; our page's button sends none.
      body: t.Optional(t.Object({ 'List-Unsubscribe': t.Optional(t.String({ maxLength: 32 })) })),
    });
}
