/** /admin and /admin/users: search, view, create, edit, status, new login code, sign out everywhere. */
import { Elysia, t } from 'elysia';
import { AppError, httpStatus, notFound } from '../../errors';
import { seeOther, type SetLike } from '../../http/respond';
import type { User, UserStatus } from '../../store/types';
import { adminHome, confirmBody } from '../../../views/admin';
import { codeIssuedBody, newUserBody, userDetailBody, usersListBody, type UserEditForm } from '../../../views/admin-users';
import { createUser, resetUser, revokeSessions, setUserStatus, updateUser } from '../accounts/actions';
import { tightenedBy } from '../accounts/model';
import { screenForNewMinors } from '../moderation/screen-history';
import { contactTightened } from '../moderation/restrictions';
import { Confirm, Csrf, IdParams, type AdminKit } from './kit';
import { PAGE_SIZE, findUsers } from './users';

/** Outcomes shown after a redirect, by key (never text from the URL). */
const DONE: Record<string, string> = {
  saved: 'Changes saved.',
  active: 'The account is enabled.',
  suspended: 'The account is suspended and signed out everywhere.',
  disabled: 'The account is disabled and signed out everywhere.',
  signedout: 'Signed out everywhere.',
};

const STATUS_CONFIRM: Record<string, { question: (n: string) => string; yes: string; detail: string }> = {
  suspended: { question: (n) => `Suspend ${n}?`, yes: 'Yes, suspend', detail: 'They are signed out everywhere at once and cannot sign in until an administrator enables the account again.' },
  disabled: { question: (n) => `Disable ${n}?`, yes: 'Yes, disable', detail: 'They are signed out everywhere at once and cannot sign in. Use this for accounts that should stay closed.' },
};

export function userRoutes(k: AdminKit) {
  const { store } = k.app;
  const codeTtlMs = k.app.config.loginCodeTtlMs;
  const mustUser = async (id: string) => {
    const u = await store.users.byId(id);
    if (!u) throw notFound('No such user.');
    return u;
  };
  const detail = async (set: SetLike, request: Request, u: User, opts: { status?: string | null; error?: string | null; form?: UserEditForm }, code = 200) => {
    const [sessions, history] = await Promise.all([store.sessions.listForUser(u.id), store.audit.list({ target: u.id, newestFirst: true, limit: 20 })]);
    const body = userDetailBody(k.view(request), u, sessions, history, opts.form);
    return k.page(set, request, { title: u.name, section: 'users', body, status: opts.status, error: opts.error }, code);
  };

  return new Elysia({ name: 'admin-users' })
    .get('/admin', async ({ set, request }) => {
      const [users, rooms] = await Promise.all([store.users.count(), store.rooms.listCourses({ includeArchived: false })]);
      return k.page(set, request, { title: 'Administration', section: 'users', body: adminHome({ users, rooms: rooms.length }) });
    })
    .get(
      '/admin/users',
      async ({ set, request, query }) => {
        const page = query.page ?? 0;
        const f = { q: query.q, role: query.role, status: query.status, minor: query.minor, course: query.course, pending: query.pending };
        const r = await findUsers(store, f, page);
        return k.page(set, request, { title: 'Users', section: 'users', body: usersListBody(k.view(request), f, r, page, PAGE_SIZE) });
      },
      {
        query: t.Object({
          q: t.Optional(t.String({ maxLength: 100 })),
          role: t.Optional(t.String({ maxLength: 20 })),
          status: t.Optional(t.String({ maxLength: 20 })),
          minor: t.Optional(t.String({ maxLength: 3 })),
          pending: t.Optional(t.String({ maxLength: 3 })),
          course: t.Optional(t.String({ maxLength: 12 })),
          page: t.Optional(t.Numeric({ minimum: 0, maximum: 100_000 })),
        }),
      },
    )
    .get('/admin/users/new', ({ set, request }) => k.page(set, request, { title: 'New user', section: 'users', body: newUserBody(k.view(request), {}) }))
    .post(
      '/admin/users',
      async ({ set, request, body }) => {
        try {
          const r = await createUser(store, body, { codeTtlMs, actor: k.actor(request) });
          return k.page(set, request, { title: 'User created', section: 'users', body: codeIssuedBody(k.view(request), r.user, r.loginCode, r.expiresAt) });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return k.page(set, request, { title: 'New user', section: 'users', body: newUserBody(k.view(request), body), error: e.message }, httpStatus(e));
        }
      },
      { body: t.Object({ _csrf: Csrf, email: t.String({ maxLength: 320 }), name: t.String({ maxLength: 400 }), role: t.String({ maxLength: 20 }) }) },
    )
    .get(
      '/admin/users/:id',
      async ({ set, request, params, query }) => {
        return detail(set, request, await mustUser(params.id), { status: DONE[query.done ?? ''] ?? null });
      },
      { params: IdParams, query: t.Object({ done: t.Optional(t.String({ maxLength: 20 })) }) },
    )
    .post(
      '/admin/users/:id',
      async ({ set, request, params, body }) => {
        const u = await mustUser(params.id);
        try {
          const minorOverride = body.minor === 'yes' ? true : body.minor === 'no' ? false : null;
          // The permission checkbox applies only when the form showed it (an unchecked box sends nothing).
          const others = u.permissions.filter((p) => p !== 'safeguarding');
          const permissions = body.permissions_shown === 'yes' ? (body.safeguarding === 'yes' ? [...others, 'safeguarding'] : others) : undefined;
          const updated = await updateUser(store, u.id, { name: body.name, role: body.role, dateOfBirth: body.date_of_birth ?? '', minorOverride, permissions }, k.actor(request), {
            // About to be a minor (the edit already checked): her rooms' history is screened before it is written.
            around: (before, next, write) => (tightenedBy(before, next).minors.length ? screenForNewMinors(k.chat, [u.id], write) : write()),
          });
          // Now a minor, or no longer staff: calls end where the safeguarding rules no longer allow them.
          await contactTightened(k.chat, tightenedBy(u, updated));
          return seeOther(set, `/admin/users/${u.id}?done=saved`);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          // What was typed stays in the form with the reason (it was thrown away for the stored values).
          const form = { name: body.name, role: body.role, dateOfBirth: body.date_of_birth ?? '', minor: body.minor ?? 'auto', safeguarding: body.safeguarding === 'yes' };
          return detail(set, request, u, { error: e.message, form }, httpStatus(e));
        }
      },
      {
        params: IdParams,
        body: t.Object({
          _csrf: Csrf,
          name: t.String({ maxLength: 400 }),
          role: t.String({ maxLength: 20 }),
          date_of_birth: t.Optional(t.String({ maxLength: 10 })),
          minor: t.Union([t.Literal('auto'), t.Literal('yes'), t.Literal('no')]),
          permissions_shown: t.Optional(t.String({ maxLength: 3 })),
          safeguarding: t.Optional(t.String({ maxLength: 3 })),
        }),
      },
    )
    .post(
      '/admin/users/:id/status',
      async ({ set, request, params, body }) => {
        const u = await mustUser(params.id);
        const status = body.status as UserStatus;
        const c = STATUS_CONFIRM[status];
        if (c && body.confirm !== 'yes') {
          const confirm = confirmBody(k.view(request), { question: c.question(u.name), detail: c.detail, action: `/admin/users/${u.id}/status`, fields: { status }, yes: c.yes, cancel: `/admin/users/${u.id}`, reason: true });
          return k.page(set, request, { title: 'Please confirm', section: 'users', body: confirm });
        }
        try {
          await setUserStatus(store, u.email, status, k.actor(request), k.hub, body.reason?.trim() || undefined);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return detail(set, request, u, { error: e.message }, httpStatus(e));
        }
        return seeOther(set, `/admin/users/${u.id}?done=${status}`);
      },
      { params: IdParams, body: t.Object({ _csrf: Csrf, status: t.Union([t.Literal('active'), t.Literal('suspended'), t.Literal('disabled')]), confirm: Confirm, reason: t.Optional(t.String({ maxLength: 500 })) }) },
    )
    .post(
      '/admin/users/:id/code',
      async ({ set, request, params, body }) => {
        const u = await mustUser(params.id);
        if (body.confirm !== 'yes') {
          const detail = 'Their current code and password stop working and they are signed out everywhere. The new code is shown once, on the next page.';
          const confirm = confirmBody(k.view(request), { question: `Issue a new login code for ${u.name}?`, detail, action: `/admin/users/${u.id}/code`, yes: 'Yes, issue a new code', cancel: `/admin/users/${u.id}` });
          return k.page(set, request, { title: 'Please confirm', section: 'users', body: confirm });
        }
        const r = await resetUser(store, u.email, { codeTtlMs, actor: k.actor(request), live: k.hub });
        return k.page(set, request, { title: 'New login code', section: 'users', body: codeIssuedBody(k.view(request), r.user, r.loginCode, r.expiresAt) });
      },
      { params: IdParams, body: t.Object({ _csrf: Csrf, confirm: Confirm }) },
    )
    .post(
      '/admin/users/:id/sessions',
      async ({ set, request, params, body }) => {
        const u = await mustUser(params.id);
        if (body.confirm !== 'yes') {
          const confirm = confirmBody(k.view(request), { question: `Sign ${u.name} out everywhere?`, detail: 'Every session ends and open tabs go to the sign-in page. Their password keeps working.', action: `/admin/users/${u.id}/sessions`, yes: 'Yes, sign out everywhere', cancel: `/admin/users/${u.id}` });
          return k.page(set, request, { title: 'Please confirm', section: 'users', body: confirm });
        }
        await revokeSessions(store, u.id, k.actor(request), k.hub);
        return seeOther(set, `/admin/users/${u.id}?done=signedout`);
      },
      { params: IdParams, body: t.Object({ _csrf: Csrf, confirm: Confirm }) },
    );
}
