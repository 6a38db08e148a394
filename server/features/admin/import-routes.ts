/**
 * /admin/import: the CLI's import in the browser, with the same functions (validateImportCsv →
 * planImport → applyImport → credentialsCsv). Nothing is written until the admin confirms a plan
 * with no bad rows.
 */
import { Elysia, t } from 'elysia';
import { AppError, notFound } from '../../errors';
import { sendHtml, seeOther } from '../../http/respond';
import { jobBody, importPage, progressPanel } from '../../../views/admin-import';
import { planImport, validateImportCsv } from '../accounts/import';
import { recordAudit } from '../audit/record';
import { contactTightened } from '../moderation/restrictions';
import { screenForNewMinors } from '../moderation/screen-history';
import { adminOf } from './guard';
import type { ImportJobs } from './import-jobs';
import { Csrf, type AdminKit } from './kit';

export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

export function importRoutes(k: AdminKit, jobs: ImportJobs) {
  const { store, config, logger } = k.app;
  const mustJob = (token: string, request: Request) => {
    const job = jobs.get(token, adminOf(request).user.id);
    if (!job) throw notFound('This import has expired or does not exist. Upload the file again.');
    return job;
  };
  const Token = t.Object({ token: t.String({ maxLength: 64 }) });

  return new Elysia({ name: 'admin-import' })
    .get('/admin/import', ({ set, request }) => k.page(set, request, { title: 'Import users', section: 'import', body: importPage(k.view(request), {}) }))
    .post(
      '/admin/import',
      async ({ set, request, body }) => {
        const v = k.view(request);
        const update = body.update === 'yes';
        const file = body.file && body.file.size > 0 ? body.file : null;
        const fileName = file?.name?.slice(0, 200) || 'pasted CSV';
        const fail = (reason: string, code = 400) =>
          k.page(set, request, { title: 'Import users', section: 'import', body: importPage(v, { update }), error: reason }, code);
        if (file && file.size > MAX_IMPORT_BYTES) return fail(`${fileName} is larger than 50 MB; split it into smaller files.`, 413);
        let text: string;
        if (file) {
          try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
          } catch {
            return fail(`${fileName} is not UTF-8 text; save it as "CSV UTF-8" and try again.`);
          }
        } else text = body.text ?? '';
        if (!text.trim()) return fail('Choose a CSV file (or paste the CSV text).');
        const checked = validateImportCsv(text);
        if (!checked.ok) {
          const page = importPage(v, { errors: checked.errors, fileName, update, text: file ? undefined : text });
          return k.page(set, request, { title: 'Import users', section: 'import', body: page }, 400);
        }
        let plan;
        try {
          plan = await planImport(store, checked.rows, { update, actor: k.actor(request) });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          const page = importPage(v, { update, text: file ? undefined : text });
          return k.page(set, request, { title: 'Import users', section: 'import', body: page, error: e.message }, 400);
        }
        const job = jobs.add(adminOf(request).user.id, plan, { fileName, update });
        return seeOther(set, `/admin/import/${job.token}`);
      },
      {
        body: t.Object({
          _csrf: Csrf,
          file: t.Optional(t.File()),
          text: t.Optional(t.String({ maxLength: MAX_IMPORT_BYTES })),
          update: t.Optional(t.String({ maxLength: 3 })),
        }),
      },
    )
    .get(
      '/admin/import/:token',
      ({ set, request, params }) => {
        const job = mustJob(params.token, request);
        const title = job.state === 'planned' ? 'Check the import' : 'Importing users';
        return k.page(set, request, { title, section: 'import', body: jobBody(k.view(request), job, jobs.hasSheet(job.downloadToken)) });
      },
      { params: Token },
    )
    .get(
      '/admin/import/:token/progress',
      ({ set, request, params }) => {
        const job = mustJob(params.token, request);
        return sendHtml(set, progressPanel(k.view(request), job, jobs.hasSheet(job.downloadToken)));
      },
      { params: Token },
    )
    .post(
      '/admin/import/:token/confirm',
      ({ set, request, params }) => {
        const job = mustJob(params.token, request);
        void jobs.start(job, store, {
          codeTtlMs: config.loginCodeTtlMs,
          actor: k.actor(request),
          logger,
          // Someone the import makes a minor: her rooms' history is screened around the write (as for an edit)…
          screenFor: (ids, write) => screenForNewMinors(k.chat, ids, write),
          // …and restricted members leave the calls of her rooms.
          tightened: (c) => contactTightened(k.chat, c).catch((err) => logger.error('safeguarding follow-up of an import failed', { err })),
        });
        return seeOther(set, `/admin/import/${job.token}`);
      },
      { params: Token, body: t.Object({ _csrf: Csrf }) },
    )
    .post(
      '/admin/import/download/:token',
      async ({ set, request, params }) => {
        const sheet = jobs.takeSheet(params.token, adminOf(request).user.id);
        if (!sheet) throw notFound('This credentials sheet was already downloaded or has expired. Issue new login codes from each user’s page if needed.');
        await recordAudit(store, k.actor(request), 'user.import.credentials_downloaded', null, { count: sheet.count });
        const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
        set.headers['content-type'] = 'text/csv; charset=utf-8';
        set.headers['content-disposition'] = `attachment; filename="credentials-${stamp}.csv"`;
        set.headers['cache-control'] = 'no-store';
        return sheet.csv;
      },
      { params: Token, body: t.Object({ _csrf: Csrf }) },
    );
}

