/**
 * The admin portal (/admin): the CLI's actions in the browser, for administrators only.
 * Access: adminGuard (one place, before routing: 303 /login or 404); every POST carries the
 * session's CSRF token (checkCsrf) on top of the app-wide cross-site check; destructive actions
 * ask for confirmation first; every action goes through the shared action functions, which write
 * the audit entries.
 */
import { Elysia } from 'elysia';
import type { AppContext } from '../../deps';
import type { ChatContext } from '../chat/context';
import { adminGuard, checkCsrf } from './guard';
import { ImportJobs } from './import-jobs';
import { adminKit } from './kit';
import { auditRoutes } from './audit-routes';
import { importRoutes } from './import-routes';
import { roomRoutes } from './rooms-routes';
import { statusRoutes } from './status-routes';
import { userRoutes } from './users-routes';
import { moderationRoutes } from './moderation-routes';
import { sanctionRoutes } from './sanction-routes';

export { metricsRoute } from './status-routes';

export function adminRoutes(app: AppContext, chat: ChatContext, opts: { activeCalls?: () => number } = {}) {
  const k = adminKit(app, chat, opts.activeCalls);
  return new Elysia({ name: 'admin' })
    .use(adminGuard(app))
    .onBeforeHandle(checkCsrf)
    .use(userRoutes(k))
    .use(importRoutes(k, new ImportJobs()))
    .use(roomRoutes(k))
    .use(auditRoutes(k))
    .use(statusRoutes(k))
    .use(moderationRoutes(k))
    .use(sanctionRoutes(k));
}
