/**
 * Who may start a direct conversation with whom. Pure: the caller supplies the facts (roles,
 * minor flags, whether the two share a course room), so the moderation work can extend the rules
 * and the tests can enumerate them.
 *
 * Rules (safeguarding first):
 * - Nobody starts a conversation with themselves, or with an account that is not active.
 * - A minor may start one only with staff (lecturers, admins) or with a student they share a
 *   course room with.
 * - An adult may start one with a minor only when they share a course room. Administrators are
 *   exempt (they administer accounts and safeguarding); lecturers are not.
 * - Adults with adults: always.
 * An existing conversation (a DM or group) stays usable while every two of its members where one is
 * a minor could still start it, one way or the other (`mayStillTalk`): the course they shared has
 * not ended for them; otherwise it is read-only for those two (restrictions.ts).
 */
import type { User } from '../../store/types';
import { isMinor, isStaffRole } from '../accounts/model';

export interface Party {
  id: string;
  role: User['role'];
  status: User['status'];
  minor: boolean;
}

/** A refusal that says nothing about the other person (their age). */
export const NOT_THIS_PERSON = 'You cannot start a conversation with this person.';

export type DmDecision = { ok: true } | { ok: false; reason: string };

const isStaff = (p: Party) => isStaffRole(p.role);

export function canStartConversation(from: Party, to: Party, shareCourse: boolean): DmDecision {
  if (from.id === to.id) return { ok: false, reason: 'You cannot start a conversation with yourself.' };
  if (to.status !== 'active') return { ok: false, reason: 'This account is not active.' };
  if (from.minor && !isStaff(to) && !shareCourse) {
    return { ok: false, reason: 'You can message staff, and students who share a course with you.' };
  }
  // Worded for any person: "…this student only when you share a course" told whoever tried that
  // the person is under 18 (adults may always message adults).
  if (!from.minor && to.minor && from.role !== 'admin' && !shareCourse) {
    return { ok: false, reason: NOT_THIS_PERSON };
  }
  return { ok: true };
}

export const MAX_GROUP_MEMBERS = 20;

export function partyOf(u: User): Party {
  return { id: u.id, role: u.role, status: u.status, minor: isMinor(u) };
}

/**
 * Whether two members of an existing conversation may still write to each other: either of them
 * could start it now (a minor may always reach staff, so a lecturer can answer; an adult student and
 * a minor, or two minors, need a course they still share).
 */
export function mayStillTalk(a: Party, b: Party, shareCourse: boolean): boolean {
  if (!a.minor && !b.minor) return true;
  return canStartConversation(a, b, shareCourse).ok || canStartConversation(b, a, shareCourse).ok;
}
