/** /admin/status (the page) and /metrics (Prometheus text, bearer token from METRICS_TOKEN). */
import { Elysia, NotFoundError } from 'elysia';
import type { AppContext } from '../../deps';
import { sendHtml } from '../../http/respond';
import type { Hub } from '../../realtime/hub';
import { metrics, prometheusText, snapshot, tokenMatches } from '../../metrics';
import { statusBody, statusPanel } from '../../../views/admin-status';
import { verifyAudit, type Verification } from './audit';
import type { AdminKit } from './kit';

export function statusRoutes(k: AdminKit) {
  const { store } = k.app;
  const now = () => snapshot(metrics, k.hub.stats(), store.kind, k.activeCalls());
  // The panel refreshes every 5 s: re-verify the whole chain at most every 30 s for it (the page
  // itself and /admin/audit always verify afresh).
  let cached: { at: number; v: Promise<Verification> } | null = null;
  const chainForPanel = () => {
    if (!cached || Date.now() - cached.at > 30_000) cached = { at: Date.now(), v: verifyAudit(store) };
    return cached.v;
  };
  return new Elysia({ name: 'admin-status' })
    .get('/admin/status', async ({ set, request }) => k.page(set, request, { title: 'Status', section: 'status', body: statusBody(now(), await verifyAudit(store)) }))
    .get('/admin/status/panel', async ({ set }) => sendHtml(set, statusPanel(now(), await chainForPanel())));
}

/** Outside /admin: machines scrape it. Without METRICS_TOKEN, or with a wrong token, it does not exist (404). */
export function metricsRoute(app: AppContext, hub: Hub, activeCalls: () => number = () => 0) {
  return new Elysia({ name: 'metrics' }).get('/metrics', ({ request, set }) => {
    const token = app.config.metricsToken;
    const auth = request.headers.get('authorization');
    const given = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : null;
    if (!token || !tokenMatches(given, token)) throw new NotFoundError();
    set.headers['content-type'] = 'text/plain; version=0.0.4; charset=utf-8';
    set.headers['cache-control'] = 'no-store';
    return prometheusText(snapshot(metrics, hub.stats(), app.store.kind, activeCalls()));
  });
}
