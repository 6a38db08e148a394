/** The import plan's safeguarding check: who the import makes (or leaves) a minor or an adult. */
import { isMinor } from './model';
import type { ImportPlan } from './import';

/**
 * What an import does to who counts as a minor (safeguarding: screening and the contact rules apply
 * to minors only, and a minor is known only from a date of birth or an administrator's mark), named
 * before anyone confirms. A student left without a date of birth is treated as an adult: the one
 * mistake here that silently leaves a child unprotected.
 */
export interface AgeChecks {
  /** New users under 18. */
  newMinors: number;
  /** Existing users whose new date of birth puts them under 18, or over (their mark aside). */
  becomeMinor: string[];
  becomeAdult: string[];
  /** Students, new or updated, who will have no date of birth and no mark: treated as adults. */
  noBirthDate: string[];
}

export function ageChecks(plan: Pick<ImportPlan, 'create' | 'update'>, now = new Date()): AgeChecks {
  const out: AgeChecks = { newMinors: 0, becomeMinor: [], becomeAdult: [], noBirthDate: [] };
  for (const row of plan.create) {
    if (isMinor({ dateOfBirth: row.dateOfBirth, minorOverride: null }, now)) out.newMinors++;
    else if (row.role === 'student' && !row.dateOfBirth) out.noBirthDate.push(row.email);
  }
  for (const { row, user } of plan.update) {
    const after = { dateOfBirth: row.dateOfBirth ?? user.dateOfBirth, minorOverride: user.minorOverride };
    const [was, is] = [isMinor(user, now), isMinor(after, now)];
    if (!was && is) out.becomeMinor.push(user.email);
    if (was && !is) out.becomeAdult.push(user.email);
    const role = row.roleGiven ? row.role : user.role;
    if (role === 'student' && !after.dateOfBirth && after.minorOverride === null) out.noBirthDate.push(user.email);
  }
  return out;
}
