/**
 * VP8 RTP payload descriptor (RFC 7741 §4.2) reading and in-place rewriting. Pure functions on
 * bytes; no werift types, so they are unit-tested on hand-built packets.
 *
 *        0 1 2 3 4 5 6 7
 *       +-+-+-+-+-+-+-+-+
 *       |X|R|N|S|R| PID | (REQUIRED)
 *       +-+-+-+-+-+-+-+-+
 *  X:   |I|L|T|K| RSV   | (OPTIONAL)
 *       +-+-+-+-+-+-+-+-+
 *  I:   |M| PictureID   | (OPTIONAL; M=1: 15-bit picture ID, one more byte follows)
 *       +-+-+-+-+-+-+-+-+
 *  L:   |   TL0PICIDX   | (OPTIONAL)
 *       +-+-+-+-+-+-+-+-+
 *  T/K: |TID|Y| KEYIDX  | (OPTIONAL)
 *       +-+-+-+-+-+-+-+-+
 * followed by the VP8 payload; on the first packet of a frame (S=1, PID=0) bit 0 of the first
 * payload byte is the inverse key-frame flag (0 = key frame).
 */

export interface Vp8Descriptor {
  /** Start of a VP8 partition (S) with partition index 0: the first packet of a frame. */
  frameStart: boolean;
  keyframe: boolean;
  /** Picture ID, or -1 when absent. */
  pictureId: number;
  /** 7 or 15 (bits of the picture ID), 0 when absent. */
  pictureIdBits: 0 | 7 | 15;
  /** Byte offset of the picture ID field (for rewriting), -1 when absent. */
  pictureIdOffset: number;
  /** TL0PICIDX, or -1 when absent. */
  tl0PicIdx: number;
  tl0PicIdxOffset: number;
  /** Temporal layer id, or -1 when absent. */
  tid: number;
  /** Length of the descriptor (offset of the VP8 payload header). */
  size: number;
}

/** Parses the descriptor; null when the payload is too short to be VP8. */
export function parseVp8(p: Uint8Array): Vp8Descriptor | null {
  if (p.length < 1) return null;
  const b0 = p[0]!;
  const x = (b0 & 0x80) !== 0;
  const s = (b0 & 0x10) !== 0;
  const pid = b0 & 0x07;
  let i = 1;
  let pictureId = -1;
  let pictureIdBits: 0 | 7 | 15 = 0;
  let pictureIdOffset = -1;
  let tl0PicIdx = -1;
  let tl0PicIdxOffset = -1;
  let tid = -1;
  if (x) {
    if (p.length < 2) return null;
    const b1 = p[1]!;
    i = 2;
    if (b1 & 0x80) {
      if (p.length < i + 1) return null;
      pictureIdOffset = i;
      if (p[i]! & 0x80) {
        if (p.length < i + 2) return null;
        pictureId = ((p[i]! & 0x7f) << 8) | p[i + 1]!;
        pictureIdBits = 15;
        i += 2;
      } else {
        pictureId = p[i]! & 0x7f;
        pictureIdBits = 7;
        i += 1;
      }
    }
    if (b1 & 0x40) {
      if (p.length < i + 1) return null;
      tl0PicIdxOffset = i;
      tl0PicIdx = p[i]!;
      i += 1;
    }
    if (b1 & 0x30) {
      if (p.length < i + 1) return null;
      if (b1 & 0x20) tid = p[i]! >> 6;
      i += 1;
    }
  }
  const frameStart = s && pid === 0;
  const keyframe = frameStart && p.length > i && (p[i]! & 0x01) === 0;
  return { frameStart, keyframe, pictureId, pictureIdBits, pictureIdOffset, tl0PicIdx, tl0PicIdxOffset, tid, size: i };
}

/** Writes a picture ID and TL0PICIDX into a payload whose descriptor `d` was parsed from it. */
export function writeVp8(p: Uint8Array, d: Vp8Descriptor, pictureId: number, tl0PicIdx: number) {
  if (d.pictureIdBits === 15) {
    p[d.pictureIdOffset] = 0x80 | ((pictureId >> 8) & 0x7f);
    p[d.pictureIdOffset + 1] = pictureId & 0xff;
  } else if (d.pictureIdBits === 7) {
    p[d.pictureIdOffset] = pictureId & 0x7f;
  }
  if (d.tl0PicIdxOffset >= 0) p[d.tl0PicIdxOffset] = tl0PicIdx & 0xff;
}

/** True for a key frame's first packet (the only place a layer switch may happen). */
export function isVp8Keyframe(p: Uint8Array): boolean {
  return parseVp8(p)?.keyframe ?? false;
}
