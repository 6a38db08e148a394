/** 16- and 32-bit RTP counter arithmetic (sequence numbers, timestamps wrap). */
export const u16 = (n: number) => n & 0xffff;
export const u32 = (n: number) => n >>> 0;

/** a − b in 16-bit sequence space, as a signed number in [−32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/** Signed difference modulo 2^bits (picture IDs: 7 or 15 bits; TL0PICIDX: 8 bits). */
export function modDiff(a: number, b: number, bits: number): number {
  const m = 1 << bits;
  const d = (((a - b) % m) + m) % m;
  return d >= m / 2 ? d - m : d;
}
