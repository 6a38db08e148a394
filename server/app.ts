/**
 * The composition root: builds the Elysia app from its dependencies, with no side effects (no
 * listening, no timers, no file or network access beyond what `deps` does when called).
 */
import { adminGuard } from './features/admin/guard';
import { Elysia, NotFoundError, ParseError, ValidationError } from 'elysia';
import type { AppContext, Deps } from './deps';
import { AppError, httpStatus } from './errors';
import { requestContext, requestInfo } from './http/context';
import { bodyLimit } from './http/body-limit';
import { assetRoutes } from './http/assets';
import { compression } from './http/compress';
import { RedirectError, sendHtml } from './http/respond';
import { accountRoutes } from './features/accounts/routes';
import { chatRoutes } from './features/chat/routes';
import { pinRoutes } from './features/chat/pins-routes';
import { pollRoutes } from './features/chat/polls-routes';
import { memberRoutes } from './features/chat/members-routes';
import { wsRoutes } from './features/chat/ws';
import { createChatContext } from './features/chat/context';
import { createModeration, type Moderation } from './features/moderation/screen';
import type { Notifier } from './features/moderation/notify';
import { loadModel } from './features/moderation/model';
import { LocalHub, type Hub } from './realtime/hub';
import { Sfu } from './rtc/sfu';
import { callRoutes } from './features/calls/routes';
import { fileRoutes } from './features/files/routes';
import { createTransfers, transferRoutes } from './features/files/transfer-routes';
import { offlineRoutes } from './features/offline/routes';
import { mailRoutes } from './features/mail/routes';
import { pushCallStates } from './features/calls/actions';
import { keepRecordings } from './features/calls/recordings';
import { keepAttendance } from './features/calls/attendance';
import { lectureRoutes } from './features/calls/lecture-routes';
import { createLimiters } from './features/accounts/auth';
import { adminRoutes, metricsRoute } from './features/admin/routes';
import { noticeRoutes } from './features/moderation/notice-routes';
import { metrics } from './metrics';
import { layout } from '../views/layout';
import { errorPage } from '../views/accounts';

export function createApp(deps: Deps & { hub?: Hub; sfu?: Sfu; moderation?: Moderation; notifier?: Notifier }) {
  // The hub publishes through the listening server, which exists only after listen().
  const hub: Hub = deps.hub ?? new LocalHub(() => elysia.server);
  const app: AppContext = {
    ...deps,
    auth: { store: deps.store, sessionKey: deps.secrets.sessionKey, idleMs: deps.config.sessionIdleMs, maxMs: deps.config.sessionMaxMs, live: hub, ...createLimiters(deps.limiters) },
  };
  const { config } = deps;
  const moderation = deps.moderation ?? createModeration(config.moderationScope, () => loadModel(config.moderationWeights ?? undefined), { policy: config.moderationPolicy, notifier: deps.notifier, publicUrl: config.publicUrl });
  const chat = createChatContext(deps.store, hub, config.timeZone, { moderation, limiters: deps.limiters });
  // Calls: the SFU (server/rtc, no Elysia) lives as long as the app; its state pushes go through the hub.
  const sfu = deps.sfu ?? new Sfu(deps.config.rtc, deps.logger.child({ component: 'sfu' }));
  pushCallStates(sfu, hub);
  // Lecture recordings: stored in their rooms as they finish (main.ts recovers what a crash left).
  const recordings = keepRecordings(sfu, chat, config.files, deps.logger.child({ component: 'recordings' }));
  // Lecture attendance: who was in each lecture, when (written as they join and leave, and each minute).
  const attendance = keepAttendance(sfu, deps.store, deps.logger.child({ component: 'attendance' }));
  // Safeguarding actions end calls in progress (on this node; see README "Scaling out").
  chat.calls = {
    endUser: (userId, opts = {}) =>
      void sfu.endUser(userId, opts.why ?? 'Your account was blocked by the safeguarding team.', opts.where).catch((err) => deps.logger.error('ending calls failed', { err })),
    endSeats: (which, why) => void sfu.endSeats(which, why).catch((err) => deps.logger.error('ending calls failed', { err })),
    endRoom: (roomId, why = 'This room was frozen by the safeguarding team.') => void sfu.endRoom(roomId, why).catch((err) => deps.logger.error('ending calls failed', { err })),
    active: (roomId) => sfu.state(roomId) !== null,
  };
  chat.warn = (message, fields) => deps.logger.warn(message, fields);
  // Emails about missed messages: messages queue them here; main.ts runs the job that sends them.
  if (config.missedMail) chat.mailAfterMs = config.missedMail.afterMs;
  // Direct transfers (files above the threshold): offers and sessions in memory, relays on demand.
  const transfers = createTransfers(app, chat);
  chat.offers = { gone: (id) => transfers.offerGone(id) };
  const wantsHtml = (r: Request) => (r.headers.get('accept') ?? '').includes('text/html');

  const elysia = new Elysia()
    .use(requestContext(deps.config, deps.logger))
    // The /admin gate first: the body limit reads a chunked body (up to 51 MB for the admin CSV
    // uploads) to count it, which must not happen for a request without an admin session (a
    // security review held 4 × 40 MB that way with no cookie at all). Also used by adminRoutes:
    // a named plugin, registered once.
    .use(adminGuard(app))
    // Before any route reads a body: 64 KB, more only for the admin CSV uploads (http/body-limit.ts).
    .use(bodyLimit())
    .onAfterResponse({ as: 'global' }, ({ set }) => metrics.request(typeof set.status === 'number' ? set.status : 200))
    .onError({ as: 'global' }, ({ error, request, set }) => {
      // The one place errors become responses. Branch on instanceof: `code` is not reliable here.
      if (error instanceof RedirectError) {
        set.status = 303;
        set.headers.location = error.location;
        return '';
      }
      let status = 500;
      let message = 'Something went wrong on our side. Please try again.';
      if (error instanceof AppError) [status, message] = [httpStatus(error), error.message];
      else if (error instanceof ValidationError) [status, message] = [400, 'The form was incomplete or too long. Please check it and try again.'];
      else if (error instanceof ParseError) [status, message] = [400, 'The request body could not be read.'];
      else if (error instanceof NotFoundError) [status, message] = [404, 'There is nothing at this address.'];
      else deps.logger.error('unhandled error', { reqId: requestInfo(request).id, err: error });
      if (wantsHtml(request)) return sendHtml(set, layout({ title: 'Error', body: errorPage(status, message), asset: deps.assets.url }), status);
      set.status = status;
      set.headers['content-type'] = 'application/json';
      return JSON.stringify({ error: message });
    })
    .use(compression())
    .use(assetRoutes(deps.assets))
    .get('/healthz', async ({ set }) => {
      try {
        await deps.store.ping();
        return { status: 'ok', store: deps.store.kind };
      } catch {
        set.status = 503;
        return { status: 'unavailable', store: deps.store.kind };
      }
    })
    .use(accountRoutes(app))
    .use(chatRoutes(app, chat))
    .use(memberRoutes(app, chat))
    .use(pinRoutes(app, chat))
    .use(pollRoutes(app, chat))
    .use(wsRoutes(app, chat))
    .use(callRoutes(app, sfu, hub))
    .use(lectureRoutes(app, chat))
    .use(fileRoutes(app, chat))
    .use(noticeRoutes(app, chat))
    .use(transferRoutes(app, transfers, hub))
    .use(offlineRoutes(app))
    .use(mailRoutes(app))
    .use(adminRoutes(app, chat, { activeCalls: () => sfu.stats().calls }))
    .use(metricsRoute(app, chat.hub, () => sfu.stats().calls));
  return Object.assign(elysia, { hub, chat, sfu, transfers, recordings, attendance });
}

export type App = ReturnType<typeof createApp>;
