/**
 * /admin/moderation/actions and the block/freeze step of a case: safeguarding actions and their
 * appeals. Same guard as the case pages (officers only, everyone else 404), CSRF on every POST,
 * a confirmation page before anything takes effect, every view and decision audited.
 */
import { Elysia, NotFoundError, t } from 'elysia';
import { AppError, httpStatus } from '../../errors';
import { seeOther } from '../../http/respond';
import { html } from '../../http/html';
import type { Sanction } from '../../store/types';
import { confirmBody } from '../../../views/admin';
import { sanctionBody, sanctionListBody, KIND_TEXT } from '../../../views/admin-sanctions';
import { actOnCase, ALREADY_DECIDED, DECIDED_SINCE, MAX_REASON } from '../moderation/cases';
import { officerOf } from './moderation-routes';
import { canLift, IN_FORCE, MAX_STATEMENT, OWN_CASE } from '../moderation/hearing';
import { clauseById } from '../moderation/policy-clauses';
import { decideAppeal, liftSanction, reviewCheck } from '../moderation/sanctions';
import { affectedParty } from '../moderation/party';
import { recordAudit } from '../audit/record';
import { Confirm, Csrf, IdParams, type AdminKit } from './kit';

const DONE: Record<string, string> = {
  block: 'The account is blocked. The sender has been shown the notice and can respond.',
  freeze: 'The room is frozen. Those who answer for it (its owners; in a group, its adult members) have been shown the notice and can respond.',
  overturn: 'Appeal decided: the action was overturned and has ended; messages it alone kept hidden are shown again.',
  uphold: 'Appeal decided: the action stays in force.',
  lift: 'The action was lifted. Its held messages stay held until their cases are decided.',
};

export function sanctionRoutes(k: AdminKit) {
  const { store } = k.app;
  const officer = (request: Request) => officerOf(k, request);
  const subjectOf = async (s: Sanction) => {
    if (s.userId) {
      const u = await store.users.byId(s.userId);
      return u ? `${u.name} (${u.role})` : 'Former member';
    }
    const r = s.roomId ? await store.rooms.byId(s.roomId) : null;
    return r ? `Room ${r.code ? `${r.code} · ` : ''}${r.name}` : '(deleted room)';
  };
  const page = async (set: Parameters<AdminKit['page']>[0], request: Request, id: string, opts: { status?: string | null; error?: string | null } = {}, code = 200) => {
    const actor = officer(request);
    const s = await store.sanctions.byId(id);
    if (!s) throw new NotFoundError();
    await recordAudit(store, actor, 'moderation.action_view', s.id, { kind: s.kind });
    const names = new Map<string, string>();
    for (const uid of new Set([s.actorId, s.statementBy, s.decidedBy].filter((x): x is string => !!x))) names.set(uid, (await store.users.byId(uid))?.name ?? 'Former member');
    const body = sanctionBody(k.view(request), { s, subject: await subjectOf(s), names, review: await reviewCheck(k.chat, s, actor.userId), lift: canLift(s, actor.userId, await affectedParty(k.chat, s)) });
    return k.page(set, request, { title: KIND_TEXT[s.kind], section: 'moderation', body, ...opts }, code);
  };

  /** Decide an appeal (overturn / uphold) or lift: reason required, a confirmation page first, errors shown on the action page. */
  const QUESTIONS = {
    overturn: { path: 'decide', question: 'Overturn this action and restore everything?', yes: 'Yes, overturn' },
    uphold: { path: 'decide', question: 'Dismiss the appeal and keep the action?', yes: 'Yes, dismiss the appeal' },
    lift: { path: 'lift', question: 'Lift this action?', yes: 'Yes, lift' },
  } as const;
  const decision = async (set: Parameters<AdminKit['page']>[0], request: Request, id: string, body: { reason: string; confirm?: string }, what: keyof typeof QUESTIONS) => {
    const actor = officer(request);
    const reason = body.reason.trim();
    const base = `/admin/moderation/actions/${id}`;
    if (!reason) return page(set, request, id, { error: 'Give a reason for the decision.' }, 400);
    const q = QUESTIONS[what];
    if (body.confirm !== 'yes') {
      const fields: Record<string, string> = what === 'lift' ? { reason } : { outcome: what, reason };
      const confirm = confirmBody(k.view(request), { question: q.question, detail: html`Reason shown to them: “${reason}”.`, action: `${base}/${q.path}`, fields, yes: q.yes, cancel: base });
      return k.page(set, request, { title: 'Please confirm', section: 'moderation', body: confirm });
    }
    try {
      if (what === 'lift') await liftSanction(k.chat, actor, id, reason);
      else await decideAppeal(k.chat, actor, id, what === 'overturn', reason);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return page(set, request, id, { error: e.message }, httpStatus(e));
    }
    return seeOther(set, `${base}?done=${what}`);
  };

  return new Elysia({ name: 'admin-sanctions' })
    .post(
      '/admin/moderation/cases/:id/act',
      async ({ set, request, params, body }) => {
        const actor = officer(request);
        const reason = body.reason.trim();
        const back = `/admin/moderation/cases/${params.id}`;
        if (!reason || !clauseById(body.clause)) return seeOther(set, `${back}?done=missing`);
        if (body.confirm !== 'yes') {
          const question = body.action === 'block' ? 'Block the sender of this message?' : 'Freeze this room?';
          const clause = clauseById(body.clause)!;
          const fields: Record<string, string> = { action: body.action, clause: body.clause, reason, ...(body.rev !== undefined ? { rev: String(body.rev) } : {}), ...(body.seen ? { seen: body.seen } : {}) };
          const confirm = confirmBody(k.view(request), { question, detail: html`Clause ${clause.id} · ${clause.title}. Reason shown to them: “${reason}”. They can respond within the statement period; another officer decides their appeal.`, action: `${back}/act`, fields, yes: body.action === 'block' ? 'Yes, block' : 'Yes, freeze', cancel: back });
          return k.page(set, request, { title: 'Please confirm', section: 'moderation', body: confirm });
        }
        try {
          const s = await actOnCase(k.chat, actor, params.id, body.action, body.clause, reason, { rev: body.rev, open: body.seen ? body.seen === 'open' : undefined });
          return seeOther(set, `/admin/moderation/actions/${s.id}?done=${body.action}`);
        } catch (e) {
          if (!(e instanceof AppError) || e.kind !== 'conflict') throw e;
          const code = e.message === OWN_CASE ? 'own' : e.message === DECIDED_SINCE || e.message === ALREADY_DECIDED ? 'decided' : /already (blocked|frozen)/.test(e.message) ? `already-${body.action === 'block' ? 'blocked' : 'frozen'}` : 'changed';
          return seeOther(set, `${back}?done=${code}`);
        }
      },
      { params: IdParams, body: t.Object({ _csrf: Csrf, action: t.Union([t.Literal('block'), t.Literal('freeze')]), clause: t.String({ maxLength: 16 }), reason: t.String({ maxLength: MAX_REASON }), rev: t.Optional(t.Numeric({ minimum: 0 })), seen: t.Optional(t.Union([t.Literal('open'), t.Literal('decided')])), confirm: Confirm }) },
    )
    .get(
      '/admin/moderation/actions',
      async ({ set, request, query }) => {
        officer(request);
        const showing = query.status === 'all' ? 'all' : 'open';
        let rows = await store.sanctions.list({ status: showing === 'all' ? undefined : IN_FORCE, limit: 200 });
        // Appeals waiting for a decision first.
        if (showing === 'open') rows = [...rows.filter((s) => s.status === 'appealed'), ...rows.filter((s) => s.status !== 'appealed')];
        const withSubjects = await Promise.all(rows.map(async (s) => ({ s, subject: await subjectOf(s) })));
        return k.page(set, request, { title: 'Safeguarding actions', section: 'moderation', body: sanctionListBody(k.view(request), withSubjects, showing) });
      },
      { query: t.Object({ status: t.Optional(t.String({ maxLength: 10 })) }) },
    )
    .get('/admin/moderation/actions/:id', async ({ set, request, params, query }) => page(set, request, params.id, { status: DONE[query.done ?? ''] ?? null }), {
      params: IdParams,
      query: t.Object({ done: t.Optional(t.String({ maxLength: 20 })) }),
    })
    .post('/admin/moderation/actions/:id/decide', async ({ set, request, params, body }) => decision(set, request, params.id, body, body.outcome), {
      params: IdParams,
      body: t.Object({ _csrf: Csrf, outcome: t.Union([t.Literal('overturn'), t.Literal('uphold')]), reason: t.String({ maxLength: MAX_STATEMENT }), confirm: Confirm }),
    })
    .post('/admin/moderation/actions/:id/lift', async ({ set, request, params, body }) => decision(set, request, params.id, body, 'lift'), {
      params: IdParams,
      body: t.Object({ _csrf: Csrf, reason: t.String({ maxLength: MAX_STATEMENT }), confirm: Confirm }),
    }    );
}
