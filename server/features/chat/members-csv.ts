/**
 * Room member lists from CSV (CLI and, later, the admin portal): a header row with `email` and an
 * optional `role` (owner, moderator, member; default member). Every row is checked against the
 * store before anything is written.
 */
import { parseCsvTable, visible } from '../../lib/csv';
import { ROOM_ROLES, type RoomRole, type Store } from '../../store/types';
import type { RowError } from '../accounts/import';

export type MemberRows = { ok: true; members: { userId: string; email: string; role: RoomRole }[] } | { ok: false; errors: RowError[] };

export async function readMemberCsv(store: Store, text: string): Promise<MemberRows> {
  const table = parseCsvTable(text);
  if (!table.ok && table.error.reason !== 'the file is empty') return { ok: false, errors: [table.error] };
  const header = table.ok ? table.header : undefined;
  const cols = table.ok ? table.cols : [];
  const records = table.ok ? table.rows : [];
  if (!header || !cols.includes('email')) return { ok: false, errors: [{ line: 1, reason: 'the first row must be a header with an "email" column (and optionally "role")' }] };
  const unknown = cols.filter((c) => c !== 'email' && c !== 'role');
  if (unknown.length) return { ok: false, errors: [{ line: header.line, reason: `unknown column(s) ${visible(unknown.join(', '))}; allowed: email, role` }] };
  const ei = cols.indexOf('email');
  const ri = cols.indexOf('role');
  const rows = records.filter((r) => r.fields.some((f) => f.trim()));
  const users = new Map((await store.users.byEmails(rows.map((r) => (r.fields[ei] ?? '').trim()))).map((u) => [u.emailLower, u]));
  const errors: RowError[] = [];
  const members: { userId: string; email: string; role: RoomRole }[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const email = (r.fields[ei] ?? '').trim();
    // Quoted as written in the file (QA: "TA" was quoted as "ta"), compared in lower case.
    const roleRaw = ri >= 0 ? (r.fields[ri] ?? '').trim() : '';
    const role = (roleRaw.toLowerCase() || 'member') as RoomRole;
    const problems: string[] = [];
    const u = users.get(email.toLowerCase());
    if (!email) problems.push('email is required');
    else if (!u) problems.push(`no user with email ${visible(email)}`);
    if (!(ROOM_ROLES as readonly string[]).includes(role)) problems.push(`unknown room role "${visible(roleRaw)}" (use owner, moderator or member)`);
    if (u && seen.has(u.id)) problems.push(`${visible(email)} is listed twice`);
    if (problems.length) errors.push({ line: r.line, reason: problems.join('; ') });
    else if (u) (seen.add(u.id), members.push({ userId: u.id, email: u.email, role }));
  }
  return errors.length ? { ok: false, errors } : { ok: true, members };
}
