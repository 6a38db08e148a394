/** What every admin route module shares: schemas, the page renderer, the acting administrator. */
import { officersWaiting } from '../moderation/cases';
import { isOfficer } from '../accounts/model';
import { AuditChecker } from './audit';
import { t } from 'elysia';
import type { AppContext } from '../../deps';
import { sendHtml, type SetLike } from '../../http/respond';
import type { Raw } from '../../http/html';
import type { Hub } from '../../realtime/hub';
import { adminPage, type AdminView, type Section } from '../../../views/admin';
import { timeFormat } from '../../../views/chat';
import type { ChatContext } from '../chat/context';
import { actorOf, adminOf } from './guard';

/** Optional in the schema so a missing token gets the same 403 as a wrong one (checkCsrf). */
export const Csrf = t.Optional(t.String({ maxLength: 128 }));
export const Confirm = t.Optional(t.String({ maxLength: 3 }));
export const IdParams = t.Object({ id: t.String({ maxLength: 64 }) });

export interface AdminKit {
  app: AppContext;
  chat: ChatContext;
  hub: Hub;
  /** Calls in progress (0 when the app has no call server). */
  activeCalls: () => number;
  view(request: Request): AdminView;
  page(set: SetLike, request: Request, opts: { title: string; section: Section; body: Raw; status?: string | null; error?: string | null }, code?: number): Promise<string>;
  actor: typeof actorOf;
  /** The portal's tamper check of the audit chain (one per app: it remembers how far it got). */
  audit: AuditChecker;
}

export function adminKit(app: AppContext, chat: ChatContext, activeCalls: () => number = () => 0): AdminKit {
  const tf = timeFormat(app.config.timeZone);
  const view = (request: Request): AdminView => {
    const a = adminOf(request);
    return { user: a.user, csrf: a.csrf, asset: app.assets.url, dateTime: tf.dateTime };
  };
  return {
    app,
    chat,
    hub: chat.hub,
    activeCalls,
    audit: new AuditChecker(app.store),
    view,
    // Officers learn on every portal page that held messages wait (QA: an administrator working in
    // the portal never saw it, and without SMTP or a webhook nothing else tells anyone).
    page: async (set, request, opts, code = 200) => {
      const v = view(request);
      const heldWaiting = isOfficer(v.user) && opts.section !== 'moderation' ? await officersWaiting(app.store) : undefined;
      return sendHtml(set, adminPage(v, { ...opts, heldWaiting }), code);
    },
    actor: actorOf,
  };
}
