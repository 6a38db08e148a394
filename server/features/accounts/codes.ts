/**
 * One-time login codes: 20 symbols from a 32-letter alphabet without look-alikes (100 bits),
 * shown in groups of four. Because they are random and high-entropy, a fast SHA-256 is a safe
 * stored form (no argon2 needed), which keeps importing 10,000 students fast.
 */
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'; // 32 symbols: no 0/O, 1/I

export function generateLoginCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let s = '';
  for (const b of bytes) s += ALPHABET[b & 31];
  return s.match(/.{4}/g)!.join('-');
}

/** Canonical form of what a person typed: upper case, no spaces or dashes. Null if it cannot be a code. */
export function normaliseLoginCode(typed: string): string | null {
  const s = typed.replace(/[\s-]/g, '').toUpperCase();
  if (s.length !== 20) return null;
  for (const c of s) if (!ALPHABET.includes(c)) return null;
  return s;
}

export function hashLoginCode(normalised: string): string {
  return new Bun.CryptoHasher('sha256').update(normalised).digest('hex');
}

export function sha256Hex(s: string): string {
  return new Bun.CryptoHasher('sha256').update(s).digest('hex');
}
