import { describe, expect, test } from 'bun:test';
import { adultBornBy, ageOn, isMinor, MAX_PASSWORD, validateDateOfBirth, validateEmail, validatePassword } from './model';

const at = (iso: string) => new Date(iso);

describe('adultBornBy (the stores\' minor rule)', () => {
  test('a date of birth after it is exactly a minor by isMinor, on every day around birthdays and leap days', () => {
    const days = ['2026-03-14', '2026-03-15', '2026-12-31', '2027-01-01', '2028-02-28', '2028-02-29', '2028-03-01'];
    const dobs = ['2008-03-14', '2008-03-15', '2008-03-16', '2008-12-31', '2009-01-01', '2010-02-28', '2010-02-29', '2010-03-01', '2011-01-01', '1990-06-06'];
    for (const day of days) {
      const now = new Date(`${day}T12:00:00Z`);
      for (const dob of dobs) expect({ day, dob, minor: dob > adultBornBy(now) }).toEqual({ day, dob, minor: isMinor({ dateOfBirth: dob, minorOverride: null }, now) });
    }
    expect(adultBornBy(new Date('2026-11-26T00:00:00Z'))).toBe('2008-11-26');
  });
});

describe('isMinor', () => {
  const born = (dateOfBirth: string | null, minorOverride: boolean | null = null) => ({ dateOfBirth, minorOverride });

  test('under 18 by date of birth is a minor; well over 18 is not', () => {
    expect(isMinor(born('2010-05-10'), at('2026-06-01T12:00:00Z'))).toBe(true);
    expect(isMinor(born('1990-05-10'), at('2026-06-01T12:00:00Z'))).toBe(false);
  });

  test('becomes an adult on the 18th birthday, not a day earlier', () => {
    const u = born('2008-03-15');
    expect(isMinor(u, at('2026-03-14T23:59:59Z'))).toBe(true);
    expect(isMinor(u, at('2026-03-15T00:00:00Z'))).toBe(false);
    expect(isMinor(u, at('2026-03-16T00:00:00Z'))).toBe(false);
    // the month matters as well as the day
    expect(isMinor(u, at('2026-02-20T12:00:00Z'))).toBe(true);
    expect(isMinor(u, at('2026-04-01T12:00:00Z'))).toBe(false);
  });

  test('someone born on 29 February is 18 from 1 March in a non-leap year', () => {
    const u = born('2008-02-29');
    expect(isMinor(u, at('2026-02-28T12:00:00Z'))).toBe(true);
    expect(isMinor(u, at('2026-03-01T00:00:00Z'))).toBe(false);
  });

  test('an admin override wins over the date of birth, in both directions', () => {
    expect(isMinor(born('1990-01-01', true), at('2026-06-01T12:00:00Z'))).toBe(true);
    expect(isMinor(born('2015-01-01', false), at('2026-06-01T12:00:00Z'))).toBe(false);
    expect(isMinor(born(null, true), at('2026-06-01T12:00:00Z'))).toBe(true);
    expect(isMinor(born(null, false), at('2026-06-01T12:00:00Z'))).toBe(false);
  });

  test('with no date of birth and no override, the user is treated as an adult', () => {
    expect(isMinor(born(null))).toBe(false);
  });

  test('uses the current time by default', () => {
    const y = new Date().getUTCFullYear();
    expect(isMinor(born(`${y - 10}-01-01`))).toBe(true);
    expect(isMinor(born(`${y - 30}-01-01`))).toBe(false);
  });
});

describe('ageOn', () => {
  test('counts whole years, in the UTC calendar', () => {
    expect(ageOn('2000-06-01', at('2026-05-31T23:59:59Z'))).toBe(25);
    expect(ageOn('2000-06-01', at('2026-06-01T00:00:00Z'))).toBe(26);
    expect(ageOn('2026-06-01', at('2026-06-01T00:00:00Z'))).toBe(0);
  });
});

describe('validatePassword', () => {
  const email = 'ada.obi@unilag.edu.ng';

  test('accepts a reasonable password typed twice', () => {
    expect(validatePassword('correct horse battery', 'correct horse battery', email)).toBeNull();
  });

  test('needs at least 8 characters, counted as characters not bytes', () => {
    expect(validatePassword('short12', 'short12', email)).toBe('Use at least 8 characters.');
    expect(validatePassword('Zq7#kP2m', 'Zq7#kP2m', email)).toBeNull();
    // 7 emoji are 14 UTF-16 units but only 7 characters
    expect(validatePassword('🔒🔒🔒🔒🔒🔒🔒', '🔒🔒🔒🔒🔒🔒🔒', email)).toBe('Use at least 8 characters.');
    expect(validatePassword('ọ̀ṣẹ́ẹ̀mi', 'ọ̀ṣẹ́ẹ̀mi', email)).toBeNull(); // Yoruba with combining marks
  });

  test('allows at most the maximum length', () => {
    const max = 'x'.repeat(MAX_PASSWORD - 1) + 'y';
    expect(validatePassword(max, max, email)).toBeNull();
    expect(validatePassword(max + 'z', max + 'z', email)).toBe(`Use at most ${MAX_PASSWORD} characters.`);
  });

  test('the two entries must match exactly', () => {
    expect(validatePassword('correct horse battery', 'correct horse batterY', email)).toBe('The two passwords do not match.');
    expect(validatePassword('correct horse battery', '', email)).toBe('The two passwords do not match.');
  });

  test('rejects common passwords and the email or its local part, in any case', () => {
    const easy = 'This password is too easy to guess. Choose another.';
    for (const pw of ['password', 'PASSWORD123', 'unilag123', '12345678', 'LetsTalk']) expect(validatePassword(pw, pw, email)).toBe(easy);
    expect(validatePassword('ADA.OBI@unilag.edu.ng', 'ADA.OBI@unilag.edu.ng', email)).toBe(easy);
    expect(validatePassword('Ada.Obi1', 'Ada.Obi1', email)).toBeNull();
    expect(validatePassword('ada.obi2', 'ada.obi2', email)).toBeNull();
    expect(validatePassword('verylongname', 'verylongname', 'VeryLongName@unilag.edu.ng')).toBe(easy);
  });
});

describe('validateEmail', () => {
  test('accepts ordinary university addresses, trimmed', () => {
    for (const e of ['ada@unilag.edu.ng', 'ada.obi+cs@live.unilag.edu.ng', 'A_B-C@Example.COM', '  ada@unilag.edu.ng  ']) expect(validateEmail(e)).toBeNull();
  });

  test('requires an address', () => {
    expect(validateEmail('')).toBe('email is required');
    expect(validateEmail('   ')).toBe('email is required');
  });

  test('rejects typos', () => {
    for (const e of ['ada', 'ada@', '@unilag.edu.ng', 'ada@unilag', 'ada@@unilag.edu.ng', 'ada obi@unilag.edu.ng', 'ada@unilag..edu.ng', 'ada@-unilag.edu.ng', 'ada@unilag.edu.ng.', 'ada,obi@unilag.edu.ng', '"ada"@unilag.edu.ng']) {
      expect(validateEmail(e)).toBe(`"${e.trim()}" is not a valid email address`);
    }
  });

  test('rejects control characters (they cannot be typed at the sign-in form)', () => {
    for (const e of ['ada\u0000@unilag.edu.ng', 'ada\u001bc@unilag.edu.ng', 'ada\u007f@unilag.edu.ng', 'ada\u0085@unilag.edu.ng', 'a\tda@unilag.edu.ng']) {
      expect(validateEmail(e)).toContain('is not a valid email address');
    }
  });

  test('rejects addresses longer than 254 characters', () => {
    const long = 'a'.repeat(64) + '@' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(63) + '.ng';
    expect(long.length).toBeGreaterThan(254);
    expect(validateEmail(long)).toContain('is not a valid email address');
  });
});

describe('validateDateOfBirth', () => {
  const now = at('2026-06-01T12:00:00Z');

  test('accepts real past dates written YYYY-MM-DD, including leap days', () => {
    for (const d of ['2005-04-01', '2008-02-29', '2000-02-29', '1900-01-01', ' 1999-12-31 ']) expect(validateDateOfBirth(d, now)).toBeNull();
  });

  test('today is allowed, tomorrow is not', () => {
    expect(validateDateOfBirth('2026-06-01', now)).toBeNull();
    expect(validateDateOfBirth('2026-06-02', now)).toBe('date of birth "2026-06-02" is out of range');
  });

  test('rejects other formats', () => {
    for (const d of ['10/05/2009', '2009-5-10', '20090510', '2009/05/10', '10-05-2009', 'May 10 2009', '']) {
      expect(validateDateOfBirth(d, now)).toBe(`date of birth "${d}" must be written YYYY-MM-DD`);
    }
  });

  test('rejects dates that do not exist', () => {
    for (const d of ['2010-02-30', '2009-02-29', '1900-02-29', '2010-13-01', '2010-00-10', '2010-04-31', '2010-01-00']) {
      expect(validateDateOfBirth(d, now)).toBe(`date of birth "${d}" is not a real date`);
    }
  });

  test('rejects dates before 1900 and in the future', () => {
    expect(validateDateOfBirth('1899-12-31', now)).toBe('date of birth "1899-12-31" is out of range');
    expect(validateDateOfBirth('3000-01-01', now)).toBe('date of birth "3000-01-01" is out of range');
  });
});
