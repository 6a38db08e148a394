/**
 * /admin/moderation: the safeguarding queue, case pages and decisions. The admin guard lets
 * administrators and holders of the 'safeguarding' permission in here (everyone else: 404);
 * POSTs carry the CSRF token (checkCsrf) and a decision asks for confirmation first.
 */
import { isConcernOnly } from '../moderation/concern';
import { Elysia, NotFoundError, t } from 'elysia';
import { AppError, httpStatus } from '../../errors';
import { seeOther } from '../../http/respond';
import { html } from '../../http/html';
import { confirmBody } from '../../../views/admin';
import { caseBody, caseQueueBody, judgedText, type DecisionForm } from '../../../views/admin-moderation';
import { caseActions } from '../../../views/admin-sanctions';
import { caseQueue, checkJudgedLabels, decideCase, isOfficer, viewCase, MAX_REASON } from '../moderation/cases';
import { Confirm, Csrf, IdParams, type AdminKit } from './kit';
import { adminOf } from './guard';

const DONE: Record<string, string> = {
  release: 'Decision recorded: released.',
  'release-hidden': 'Decision recorded: released. The message stays hidden all the same: another held case on it is open, or an action in force cites it.',
  uphold: 'Decision recorded: upheld, the message was removed. The sender has been shown a notice and can respond.',
};

/** Why a block/freeze from this case did not happen (sanction-routes redirects here with the code; fixed texts, never echoed input). */
const ACT_ERRORS: Record<string, string> = {
  missing: 'Choose a policy clause and give a reason.',
  'already-blocked': 'This account is already blocked.',
  'already-frozen': 'This room is already frozen.',
  own: 'You cannot decide a safeguarding matter about yourself: another officer must.',
  changed: 'This case changed in the meantime: check it again before acting.',
  decided: 'Another officer decided this case since you opened it: read their decision before acting.',
};

/** The acting officer. Defence in depth: the guard already checked, but every handler re-checks the permission (404 otherwise). */
export function officerOf(k: AdminKit, request: Request) {
  const a = adminOf(request);
  if (!isOfficer(a.user)) throw new NotFoundError();
  return { ...k.actor(request), userId: a.user.id };
}

export function moderationRoutes(k: AdminKit) {
  const { store } = k.app;
  const officer = (request: Request) => officerOf(k, request);
  const names = async (ids: (string | null)[]) => {
    const out = new Map<string, string>();
    for (const id of new Set(ids.filter((x): x is string => !!x))) out.set(id, (await store.users.byId(id))?.name ?? 'Former member');
    return out;
  };
  /** `form`: what the officer had filled in, shown again when their decision was refused. */
  const casePage = async (set: Parameters<AdminKit['page']>[0], request: Request, id: string, opts: { status?: string | null; error?: string | null; form?: DecisionForm } = {}, code = 200) => {
    const cv = await viewCase(k.chat, officer(request), id);
    const msgs = [...cv.before, ...(cv.message ? [cv.message] : []), ...cv.after];
    const v = k.view(request);
    // once decided, the way on to the next case in queue order (held first), so an officer works through it
    const next = cv.c.status === 'decided' ? ((await caseQueue(k.chat, 'open', 1)).rows.find((x) => x.c.id !== cv.c.id)?.c.id ?? null) : undefined;
    const body = html`${caseBody(v, cv, await names([...msgs.map((m) => m.senderId), cv.c.decidedBy]), next, opts.form)}${isConcernOnly(cv.c) ? '' : caseActions(v, cv.c.id, cv.message?.rev, cv.c.status === 'open')}`;
    return k.page(set, request, { title: 'Safeguarding case', section: 'moderation', body, status: opts.status, error: opts.error }, code);
  };

  return new Elysia({ name: 'admin-moderation' })
    .get(
      '/admin/moderation',
      async ({ set, request, query }) => {
        officer(request);
        const showing = query.status === 'all' ? 'all' : 'open';
        const queue = await caseQueue(k.chat, showing === 'all' ? undefined : 'open');
        return k.page(set, request, { title: 'Safeguarding cases', section: 'moderation', body: caseQueueBody(k.view(request), queue, showing, k.chat.moderation?.policy.reviewCases ?? true) });
      },
      { query: t.Object({ status: t.Optional(t.String({ maxLength: 10 })) }) },
    )
    .get(
      '/admin/moderation/cases/:id',
      async ({ set, request, params, query }) =>
        casePage(set, request, params.id, { status: DONE[query.done ?? ''] ?? null, error: ACT_ERRORS[query.done ?? ''] ?? null }),
      { params: IdParams, query: t.Object({ done: t.Optional(t.String({ maxLength: 20 })) }) },
    )
    .post(
      '/admin/moderation/cases/:id/decide',
      async ({ set, request, params, body }) => {
        const actor = officer(request);
        const decision = body.decision;
        const reason = body.reason.trim();
        if (!reason) return casePage(set, request, params.id, { error: 'Give a reason for the decision.' }, 400);
        // Ticked boxes arrive as one value or several; the confirmation page sends them comma-joined.
        // `judged` says the form asked (no box ticked = judged harmless, not "not asked").
        const ticked = [body.labels ?? []].flat().flatMap((x) => x.split(',')).filter(Boolean);
        let judgedLabels: string[] | null;
        try {
          judgedLabels = body.judged ? checkJudgedLabels(ticked, decision) : null;
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return casePage(set, request, params.id, { error: e.message, form: { decision, reason, labels: ticked } }, httpStatus(e));
        }
        if (body.confirm !== 'yes') {
          const worry = decision === 'release' && isConcernOnly((await k.chat.store.cases.byId(params.id)) ?? { labels: [] });
          const question = worry ? 'Close this welfare concern?' : decision === 'release' ? 'Release this message?' : 'Uphold and remove this message?';
          const detail = worry
            ? 'Nothing happens to the message or its writer. What you did for them and the decision go in the audit log.'
            : decision === 'release' ? 'A held message is delivered to the room at once. The decision and your reason go in the audit log.' : 'The message stays hidden from everyone but its sender; only an appeal that overturns an action citing this case brings it back. The decision and your reason go in the audit log.';
          const labels = judgedLabels ? html` Labels: ${judgedText(judgedLabels)}.` : '';
          const fields = { decision, reason, ...(judgedLabels ? { judged: '1', labels: judgedLabels.join(',') } : {}), ...(body.rev !== undefined ? { rev: String(body.rev) } : {}) };
          const confirm = confirmBody(k.view(request), { question, detail: html`${detail} Reason: “${reason}”.${labels}`, action: `/admin/moderation/cases/${params.id}/decide`, fields, yes: worry ? 'Yes, close' : decision === 'release' ? 'Yes, release' : 'Yes, uphold', cancel: `/admin/moderation/cases/${params.id}` });
          return k.page(set, request, { title: 'Please confirm', section: 'moderation', body: confirm });
        }
        let done: string = decision;
        try {
          if ((await decideCase(k.chat, actor, params.id, decision, reason, { judgedLabels, seenRev: body.rev })).stillHidden) done = 'release-hidden';
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return casePage(set, request, params.id, { error: e.message, form: { decision, reason, labels: judgedLabels ?? [] } }, httpStatus(e));
        }
        return seeOther(set, `/admin/moderation/cases/${params.id}?done=${done}`);
      },
      {
        params: IdParams,
        body: t.Object({
          _csrf: Csrf,
          decision: t.Union([t.Literal('release'), t.Literal('uphold')]),
          reason: t.String({ maxLength: MAX_REASON }),
          judged: t.Optional(t.Literal('1')),
          /** The message's rev on the page the officer decided from (decideCase refuses if it changed since). */
          rev: t.Optional(t.Numeric({ minimum: 0 })),
          labels: t.Optional(t.Union([t.String({ maxLength: 200 }), t.Array(t.String({ maxLength: 40 }), { maxItems: 6 })])),
          confirm: Confirm,
        }),
      },
    );
}
