/**
 * Lecture attendance pages and downloads (lectures.ts decides who sees what; every route checks
 * membership there: 404 for non-members, and for a member asking for a register only hosts read).
 */
import { Elysia, t } from 'elysia';
import type { AppContext } from '../../deps';
import { requestInfo } from '../../http/context';
import { seeOther, sendCsv, sendHtml } from '../../http/respond';
import { appShell } from '../../../views/shell';
import { lecturePage, lecturesPage, removeLecturePage } from '../../../views/lectures';
import { viewerPlugin } from '../accounts/guard';
import type { ChatContext } from '../chat/context';
import { courseRegister, lectureDetail, lectureToRemove, listLectures, removeLecture } from './lectures';
import { lectureCsv, registerCsv } from './register-csv';
import { csvName } from '../../lib/csv';

const Id = t.String({ maxLength: 64 });

export function lectureRoutes(app: AppContext, chat: ChatContext) {
  const tf = chat.tf;
  return new Elysia({ name: 'lectures' })
    .use(viewerPlugin(app))
    .get(
      '/rooms/:id/lectures',
      async ({ set, params, query, requireUser }) => {
        const { user } = await requireUser();
        const list = await listLectures(app.store, user, params.id, { before: query.before, now: Date.now() });
        // A code, never text from the query: nothing to inject.
        const done = query.done === 'removed' ? 'The lecture was removed from the register.' : null;
        return sendHtml(set, appShell({ user, title: `Lectures in ${list.access.room.name}`, body: lecturesPage(list, tf, done), asset: app.assets.url }));
      },
      { params: t.Object({ id: Id }), query: t.Object({ before: t.Optional(t.Numeric({ minimum: 0 })), done: t.Optional(t.String({ maxLength: 20 })) }) },
    )
    .post(
      '/rooms/:id/lectures/:lecture/remove',
      async ({ set, params, body, request, requireUser }) => {
        const { user } = await requireUser();
        const now = Date.now();
        // Asked first, like every destructive action; one still running is refused (409) at either step.
        if (body.confirm !== 'yes') {
          const d = await lectureToRemove(app.store, user, params.id, params.lecture, now);
          return sendHtml(set, appShell({ user, title: 'Please confirm', body: removeLecturePage(d, tf), asset: app.assets.url }));
        }
        await removeLecture(app.store, user, { userId: user.id, origin: requestInfo(request).ip ?? 'unknown' }, params.id, params.lecture, now);
        return seeOther(set, `/rooms/${params.id}/lectures?done=removed`);
      },
      { params: t.Object({ id: Id, lecture: Id }), body: t.Object({ confirm: t.Optional(t.Union([t.Literal('yes'), t.Literal('no')])) }) },
    )
    .get(
      '/rooms/:id/lectures/:lecture',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const d = await lectureDetail(app.store, user, params.id, params.lecture, Date.now());
        return sendHtml(set, appShell({ user, title: `Lecture of ${tf.dateTime(d.lecture.startedAt)}`, body: lecturePage(d, tf), asset: app.assets.url }));
      },
      { params: t.Object({ id: Id, lecture: Id }) },
    )
    .get(
      '/rooms/:id/lectures/:lecture/register.csv',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const d = await lectureDetail(app.store, user, params.id, params.lecture, Date.now());
        return sendCsv(set, csvName(d.access.room.name, 'lecture', d.lecture.startedAt), lectureCsv(d, tf));
      },
      { params: t.Object({ id: Id, lecture: Id }) },
    )
    .get(
      '/rooms/:id/register.csv',
      async ({ set, params, requireUser }) => {
        const { user } = await requireUser();
        const c = await courseRegister(app.store, user, params.id, Date.now());
        return sendCsv(set, csvName(c.access.room.name, 'register', Date.now()), registerCsv(c));
      },
      { params: t.Object({ id: Id }) },
    );
}
