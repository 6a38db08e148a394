/** The import plan's age check: minors are protected only when the store knows they are under 18. */
import { describe, expect, test } from 'bun:test';
import type { User } from '../../store/types';
import type { ImportRow } from './import';
import { ageChecks } from './import-ages';

const NOW = new Date('2026-11-28T12:00:00Z');
const row = (email: string, role: ImportRow['role'], dateOfBirth: string | null, roleGiven = true): ImportRow => ({ line: 2, email, name: email, role, dateOfBirth, matricNo: null, roleGiven });
const user = (email: string, role: User['role'], dateOfBirth: string | null, minorOverride: boolean | null = null) => ({ email, role, dateOfBirth, minorOverride }) as User;

describe('ageChecks', () => {
  test('counts new minors; names students left without a date of birth (treated as adults), not staff', () => {
    const a = ageChecks({ create: [row('kid@x.ng', 'student', '2010-01-01'), row('adult@x.ng', 'student', '2000-01-01'), row('nodob@x.ng', 'student', null), row('dr@x.ng', 'lecturer', null)], update: [] }, NOW);
    expect(a).toEqual({ newMinors: 1, becomeMinor: [], becomeAdult: [], noBirthDate: ['nodob@x.ng'] });
  });

  test('an update whose date of birth crosses 18 either way is named; a mark set by an administrator wins; a blank keeps the old date', () => {
    const a = ageChecks(
      {
        create: [],
        update: [
          { row: row('r1', 'student', '2011-05-05'), user: user('was.adult@x.ng', 'student', '1999-01-01') },
          { row: row('r2', 'student', '1999-01-01'), user: user('was.minor@x.ng', 'student', '2011-05-05') },
          { row: row('r3', 'student', '1999-01-01'), user: user('marked@x.ng', 'student', '2011-05-05', true) },
          { row: row('r4', 'student', null, false), user: user('kept@x.ng', 'student', '2011-05-05') },
          { row: row('r5', 'student', null, false), user: user('still.nodob@x.ng', 'student', null) },
          { row: row('r6', 'student', null, true), user: user('now.student@x.ng', 'lecturer', null) },
          { row: row('r7', 'lecturer', null, true), user: user('now.lecturer@x.ng', 'student', null) },
          { row: row('r8', 'student', null, false), user: user('marked.nodob@x.ng', 'student', null, true) },
        ],
      },
      NOW,
    );
    expect(a.becomeMinor).toEqual(['was.adult@x.ng']);
    expect(a.becomeAdult).toEqual(['was.minor@x.ng']);
    expect(a.noBirthDate).toEqual(['still.nodob@x.ng', 'now.student@x.ng']);
  });

  test('18 is counted on the day: born 2008-11-28 is an adult on 2026-11-28, born 2008-11-29 is not', () => {
    expect(ageChecks({ create: [row('a', 'student', '2008-11-28'), row('b', 'student', '2008-11-29')], update: [] }, NOW).newMinors).toBe(1);
  });
});
