/** Finding users for the portal: the store's filters plus the minor flag and course membership. */
import { ROLES, USER_STATUSES, type Role, type Store, type User, type UserStatus } from '../../store/types';
import { isMinor } from '../accounts/model';
import { normaliseCourseCode } from '../chat/rooms';

export interface UserSearch {
  q?: string;
  role?: string;
  status?: string;
  /** 'yes' or 'no' */
  minor?: string;
  /** Course code of a room the user belongs to. */
  course?: string;
  /** 'yes': only people who have not chosen a password yet (a lost credentials sheet: reset them). */
  pending?: string;
}

export const PAGE_SIZE = 50;
const SCAN_BATCH = 5000;

export async function findUsers(store: Store, f: UserSearch, page: number, size = PAGE_SIZE): Promise<{ users: User[]; total: number; unknownCourse?: boolean }> {
  const base = {
    role: (ROLES as readonly string[]).includes(f.role ?? '') ? (f.role as Role) : undefined,
    status: (USER_STATUSES as readonly string[]).includes(f.status ?? '') ? (f.status as UserStatus) : undefined,
    query: f.q?.trim() || undefined,
    matric: true,
  };
  const minor = f.minor === 'yes' ? true : f.minor === 'no' ? false : null;
  const course = f.course?.trim();
  const pending = f.pending === 'yes';
  // Filters the store does not index are applied to what the others find (bounded scans).
  const extra = (u: User) => (minor === null || isMinor(u) === minor) && (!pending || u.mustSetPassword);
  if (minor === null && !course && !pending) {
    const [users, total] = await Promise.all([store.users.list({ ...base, limit: size, offset: page * size }), store.users.count(base)]);
    return { users, total };
  }
  let candidates: User[] = [];
  if (course) {
    const room = await store.rooms.byCode(normaliseCourseCode(course));
    if (!room || room.kind !== 'course') return { users: [], total: 0, unknownCourse: true };
    const q = base.query?.toLowerCase();
    const members = await store.users.byIds((await store.rooms.members(room.id)).map((m) => m.userId));
    candidates = members
      .filter((u) => (!base.role || u.role === base.role) && (!base.status || u.status === base.status) && (!q || u.emailLower.includes(q) || u.name.toLowerCase().includes(q) || !!u.matricNo?.toLowerCase().includes(q)))
      .sort((a, b) => (a.emailLower < b.emailLower ? -1 : a.emailLower > b.emailLower ? 1 : 0));
  } else {
    for (let offset = 0; ; offset += SCAN_BATCH) {
      const batch = await store.users.list({ ...base, limit: SCAN_BATCH, offset });
      candidates.push(...batch.filter(extra));
      if (batch.length < SCAN_BATCH) break;
    }
  }
  if (course) candidates = candidates.filter(extra);
  return { users: candidates.slice(page * size, (page + 1) * size), total: candidates.length };
}
