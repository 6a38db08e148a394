/** /admin/audit: the tamper check, filtered entries (newest first) and CSV export (itself audited). */
import { Elysia, t } from 'elysia';
import { auditBody } from '../../../views/admin-audit';
import { auditPage, exportAudit, namesFor, toFilter, type AuditQuery } from './audit';
import { Csrf, type AdminKit } from './kit';

const PAGE = 50;
const Filters = {
  action: t.Optional(t.String({ maxLength: 64 })),
  actor: t.Optional(t.String({ maxLength: 254 })),
  target: t.Optional(t.String({ maxLength: 254 })),
  from: t.Optional(t.String({ maxLength: 10 })),
  to: t.Optional(t.String({ maxLength: 10 })),
};
const pick = (x: AuditQuery): AuditQuery => ({ action: x.action, actor: x.actor, target: x.target, from: x.from, to: x.to });

export function auditRoutes(k: AdminKit) {
  const { store, config } = k.app;
  return new Elysia({ name: 'admin-audit' })
    .get(
      '/admin/audit',
      async ({ set, request, query }) => {
        const q = pick(query);
        const [verification, { filter, none, problems }] = await Promise.all([k.audit.check(true), toFilter(store, q, config.timeZone)]);
        const page = none ? { entries: [], total: 0, older: null, newer: null } : await auditPage(store, filter, query.before, PAGE);
        const names = await namesFor(store, page.entries);
        return k.page(set, request, { title: 'Audit log', section: 'audit', body: auditBody(k.view(request), { q, verification, page, names, problems }) });
      },
      { query: t.Object({ ...Filters, before: t.Optional(t.Numeric({ minimum: 1 })) }) },
    )
    .post(
      '/admin/audit/export',
      async ({ set, request, body }) => {
        const chunks = (await exportAudit(store, k.actor(request), pick(body), config.timeZone)).chunks!;
        const log = k.app.logger;
        const stream = new ReadableStream<string>({
          async pull(c) {
            try {
              const next = await chunks.next();
              if (next.done) c.close();
              else c.enqueue(next.value);
            } catch (err) {
              // Headers are sent: the file says it is incomplete, and the log says why (an entry
              // that cannot be read is what the tamper check reports: run `audit verify`).
              log.error('audit export failed part-way', { err });
              c.enqueue('# export incomplete: an entry could not be read; run `letstalk audit verify`\r\n');
              c.close();
            }
          },
          cancel: () => void chunks.return(undefined),
        });
        return new Response(stream, {
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`,
            'cache-control': 'no-store',
          },
        });
      },
      { body: t.Object({ _csrf: Csrf, ...Filters }) },
    );
}
