/** /admin/status (the page) and /metrics (Prometheus text, bearer token from METRICS_TOKEN). */
import { Elysia, NotFoundError } from 'elysia';
import type { AppContext } from '../../deps';
import { sendHtml } from '../../http/respond';
import type { Hub } from '../../realtime/hub';
import { metrics, prometheusText, snapshot, tokenMatches } from '../../metrics';
import { statusBody, statusPanel } from '../../../views/admin-status';
import type { AdminKit } from './kit';

export function statusRoutes(k: AdminKit) {
  const { store } = k.app;
  const now = () => snapshot(metrics, k.hub.stats(), store.kind, k.activeCalls());
  return new Elysia({ name: 'admin-status' })
    .get('/admin/status', async ({ set, request, query }) => k.page(set, request, { title: 'Status', section: 'status', body: statusBody(now(), await k.audit.check(), query.live !== 'no') }))
    .get('/admin/status/panel', async ({ set }) => sendHtml(set, statusPanel(now(), await k.audit.check())));
}

/** Outside /admin: machines scrape it. Without METRICS_TOKEN, or with a wrong token, it does not exist (404). */
export function metricsRoute(app: AppContext, hub: Hub, activeCalls: () => number = () => 0) {
  return new Elysia({ name: 'metrics' }).get('/metrics', async ({ request, set }) => {
    const token = app.config.metricsToken;
    const auth = request.headers.get('authorization');
    const given = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : null; // the scheme is case-insensitive (RFC 9110)
    if (!token || !tokenMatches(given, token)) throw new NotFoundError();
    set.headers['content-type'] = 'text/plain; version=0.0.4; charset=utf-8';
    set.headers['cache-control'] = 'no-store';
    const [openHeld, openReview, [oldest]] = await Promise.all([
      app.store.cases.count({ status: 'open', severity: 'hold' }),
      app.store.cases.count({ status: 'open', severity: 'review' }),
      app.store.cases.list({ status: 'open', severity: 'hold', oldestFirst: true, limit: 1 }),
    ]);
    const oldestHeldSec = oldest ? Math.max(0, Math.round((Date.now() - oldest.createdAt) / 1000)) : 0;
    return prometheusText(snapshot(metrics, hub.stats(), app.store.kind, activeCalls()), { openHeld, openReview, oldestHeldSec });
  });
}
