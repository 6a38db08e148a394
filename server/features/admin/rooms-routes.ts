/** /admin/rooms: course rooms through the same actions as the CLI (create, members, roles, archive). */
import { Elysia, t } from 'elysia';
import { AppError, badRequest, httpStatus, notFound } from '../../errors';
import { seeOther, sendCsv, type SetLike } from '../../http/respond';
import { ROOM_ROLES, type RoomRole } from '../../store/types';
import { confirmBody } from '../../../views/admin';
import { roomDetailBody, roomsListBody } from '../../../views/admin-rooms';
import { addMembers, archiveRoom, createCourseRoom, removeMember, setRoomRole } from '../chat/rooms';
import { readMemberCsv } from '../chat/members-csv';
import { exportRegister } from '../calls/register-csv';
import { csvName } from '../../lib/csv';
import { applyAnnouncementsOnly } from '../chat/posting';
import { Confirm, Csrf, type AdminKit } from './kit';

export const MAX_MEMBER_CSV_BYTES = 5 * 1024 * 1024;

const DONE: Record<string, string> = {
  created: 'Room created.',
  role: 'Room role changed.',
  removed: 'Member removed.',
  archived: 'Room archived: members can read it but nobody can post.',
  restored: 'Room restored.',
  announce: 'Announcements only: the lecturer and the room’s moderators post, everyone else reads, reacts and votes.',
  open: 'Everyone in the room posts again.',
};

const csvOutcome = (added: number, already: number) =>
  `Added ${added} member${added === 1 ? '' : 's'}; ${already} ${already === 1 ? 'was already a member' : 'were already members'}.`;

export function roomRoutes(k: AdminKit) {
  const { store } = k.app;
  const RoomParams = t.Object({ id: t.String({ maxLength: 64 }) });
  const MemberParams = t.Object({ id: t.String({ maxLength: 64 }), userId: t.String({ maxLength: 64 }) });

  const mustRoom = async (id: string) => {
    const room = await store.rooms.byId(id);
    if (!room || room.kind !== 'course') throw notFound('No such course room.');
    return room;
  };
  const detail = async (set: SetLike, request: Request, id: string, opts: { status?: string | null; error?: string | null; errors?: { line: number; reason: string }[] } = {}, code = 200) => {
    const room = await mustRoom(id);
    const members = await Promise.all((await store.rooms.members(room.id)).map(async (m) => ({ m, user: await store.users.byId(m.userId) })));
    members.sort((a, b) => (a.user?.name ?? '').localeCompare(b.user?.name ?? ''));
    const body = roomDetailBody(k.view(request), room, members, opts.errors);
    return k.page(set, request, { title: room.name, section: 'rooms', body, status: opts.status, error: opts.error }, code);
  };
  const list = async (set: SetLike, request: Request, archived: boolean, values = {}, error: string | null = null, code = 200) => {
    const rooms = await store.rooms.listCourses({ includeArchived: archived });
    const rows = await Promise.all(rooms.map(async (room) => ({ room, members: (await store.rooms.members(room.id)).length })));
    return k.page(set, request, { title: 'Rooms', section: 'rooms', body: roomsListBody(k.view(request), rows, archived, values), error }, code);
  };
  /** Runs a room action; a refused one shows the room page with the reason. */
  const attempt = async (set: SetLike, request: Request, id: string, fn: () => Promise<string>) => {
    try {
      return seeOther(set, await fn());
    } catch (e) {
      if (!(e instanceof AppError) || e.kind === 'not_found') throw e;
      return detail(set, request, id, { error: e.message }, httpStatus(e));
    }
  };

  return new Elysia({ name: 'admin-rooms' })
    .get('/admin/rooms', ({ set, request, query }) => list(set, request, query.archived === 'yes'), { query: t.Object({ archived: t.Optional(t.String({ maxLength: 3 })) }) })
    .post(
      '/admin/rooms',
      async ({ set, request, body }) => {
        try {
          const room = await createCourseRoom(k.chat, { ...k.actor(request), user: null }, { code: body.code, name: body.name });
          return seeOther(set, `/admin/rooms/${room.id}?done=created`);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return list(set, request, false, body, e.message, httpStatus(e));
        }
      },
      { body: t.Object({ _csrf: Csrf, code: t.String({ maxLength: 40 }), name: t.String({ maxLength: 400 }) }) },
    )
    .get(
      '/admin/rooms/:id',
      async ({ set, request, params, query }) => {
        // "Added": the person's name and the role she holds now (a page reloaded later says what is, not what was asked).
        const who = query.user && (query.done === 'added' || query.done === 'already') ? await store.users.byId(query.user) : null;
        const role = who ? (await store.rooms.membership(params.id, who.id))?.role : undefined;
        const csv = query.done === 'csv' && query.added !== undefined && query.already !== undefined ? csvOutcome(Number(query.added), Number(query.already)) : null;
        const status = who && role ? (query.done === 'added' ? `${who.name} added as ${role}.` : `${who.name} is already a member (their role is unchanged).`) : (csv ?? DONE[query.done ?? ''] ?? null);
        return detail(set, request, params.id, { status });
      },
      {
        params: RoomParams,
        query: t.Object({
          done: t.Optional(t.String({ maxLength: 20 })),
          user: t.Optional(t.String({ maxLength: 64 })),
          added: t.Optional(t.String({ pattern: '^[0-9]{1,7}$' })),
          already: t.Optional(t.String({ pattern: '^[0-9]{1,7}$' })),
        }),
      },
    )
    // The room's lecture attendance, member or not (a registry's request); audited by exportRegister.
    // A POST with the form's token: a link elsewhere must not write an export into the audit in an administrator's name.
    .post(
      '/admin/rooms/:id/register.csv',
      async ({ set, request, params }) => {
        const room = await mustRoom(params.id);
        const { csv } = await exportRegister(store, k.actor(request), room);
        return sendCsv(set, csvName(room.code ?? room.name, 'register', Date.now()), csv);
      },
      { params: RoomParams, body: t.Object({ _csrf: Csrf }) },
    )
    .post(
      '/admin/rooms/:id/members',
      async ({ set, request, params, body }) => {
        const room = await mustRoom(params.id);
        try {
          const user = await store.users.byEmail(body.email.trim());
          if (!user) throw badRequest(`There is no user with email ${body.email.trim()}.`);
          if (!(ROOM_ROLES as readonly string[]).includes(body.role)) throw badRequest('Choose owner, moderator or member.');
          const added = await addMembers(k.chat, k.actor(request), room.id, [{ userId: user.id, role: body.role as RoomRole }]);
          // Post/redirect/get: a reload of the page shows it again, it does not add again (QA).
          return seeOther(set, `/admin/rooms/${room.id}?done=${added.length ? 'added' : 'already'}&user=${encodeURIComponent(user.id)}`);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return detail(set, request, room.id, { error: e.message }, httpStatus(e));
        }
      },
      { params: RoomParams, body: t.Object({ _csrf: Csrf, email: t.String({ maxLength: 320 }), role: t.String({ maxLength: 20 }) }) },
    )
    .post(
      '/admin/rooms/:id/members/csv',
      async ({ set, request, params, body }) => {
        const room = await mustRoom(params.id);
        if (body.file.size > MAX_MEMBER_CSV_BYTES) return detail(set, request, room.id, { error: 'The members file is larger than 5 MB; split it.' }, 413);
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(await body.file.arrayBuffer());
        } catch {
          return detail(set, request, room.id, { error: 'The members file is not UTF-8 text; save it as "CSV UTF-8".' }, 400);
        }
        const r = await readMemberCsv(store, text);
        if (!r.ok) return detail(set, request, room.id, { errors: r.errors }, 400);
        const added = await addMembers(k.chat, k.actor(request), room.id, r.members);
        // Post/redirect/get: a reload shows the result again, it does not post the file again (QA).
        return seeOther(set, `/admin/rooms/${room.id}?done=csv&added=${added.length}&already=${r.members.length - added.length}`);
      },
      { params: RoomParams, body: t.Object({ _csrf: Csrf, file: t.File() }) },
    )
    .post(
      '/admin/rooms/:id/members/:userId/role',
      async ({ set, request, params, body }) => {
        const room = await mustRoom(params.id);
        return attempt(set, request, room.id, async () => {
          await setRoomRole(k.chat, k.actor(request), room.id, params.userId, body.role);
          return `/admin/rooms/${room.id}?done=role`;
        });
      },
      { params: MemberParams, body: t.Object({ _csrf: Csrf, role: t.String({ maxLength: 20 }) }) },
    )
    .post(
      '/admin/rooms/:id/members/:userId/remove',
      async ({ set, request, params, body }) => {
        const room = await mustRoom(params.id);
        const user = await store.users.byId(params.userId);
        if (!(await store.rooms.membership(room.id, params.userId))) throw notFound('That person is not a member of this room.');
        if (body.confirm !== 'yes') {
          const who = user?.name ?? 'this member';
          const confirm = confirmBody(k.view(request), { question: `Remove ${who} from ${room.code}?`, detail: 'They lose access to the room and its messages at once.', action: `/admin/rooms/${room.id}/members/${params.userId}/remove`, yes: 'Yes, remove', cancel: `/admin/rooms/${room.id}` });
          return k.page(set, request, { title: 'Please confirm', section: 'rooms', body: confirm });
        }
        await removeMember(k.chat, k.actor(request), room.id, params.userId);
        return seeOther(set, `/admin/rooms/${room.id}?done=removed`);
      },
      { params: MemberParams, body: t.Object({ _csrf: Csrf, confirm: Confirm }) },
    )
    // Announcements only (chat/posting.ts), member or not: a registry sets up a course's announcement room.
    .post(
      '/admin/rooms/:id/announcements',
      async ({ set, request, params, body }) => {
        const room = await mustRoom(params.id);
        return attempt(set, request, room.id, async () => {
          await applyAnnouncementsOnly(k.chat, k.actor(request), room, body.on === 'yes');
          return `/admin/rooms/${room.id}?done=${body.on === 'yes' ? 'announce' : 'open'}`;
        });
      },
      { params: RoomParams, body: t.Object({ _csrf: Csrf, on: t.Union([t.Literal('yes'), t.Literal('no')]) }) },
    )
    .post(
      '/admin/rooms/:id/archive',
      async ({ set, request, params, body }) => {
        const room = await mustRoom(params.id);
        const archived = body.archived === 'yes';
        if (archived && body.confirm !== 'yes') {
          const confirm = confirmBody(k.view(request), { question: `Archive ${room.code} ${room.name}?`, detail: `Members can still read the room, but nobody can post. Its code ${room.code} is then free for a new room (next session's). You can restore it later, while no other room has the code.`, action: `/admin/rooms/${room.id}/archive`, fields: { archived: 'yes' }, yes: 'Yes, archive', cancel: `/admin/rooms/${room.id}` });
          return k.page(set, request, { title: 'Please confirm', section: 'rooms', body: confirm });
        }
        try {
          await archiveRoom(k.chat, k.actor(request), room.id, archived);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return detail(set, request, room.id, { error: e.message }, httpStatus(e));
        }
        return seeOther(set, `/admin/rooms/${room.id}?done=${archived ? 'archived' : 'restored'}`);
      },
      { params: RoomParams, body: t.Object({ _csrf: Csrf, archived: t.Union([t.Literal('yes'), t.Literal('no')]), confirm: Confirm }) },
    );
}
