/**
 * Reads back what a WebM file holds, for checks of recordings (tests, and `recordingInfo` for
 * logs): the declared duration and, per track, when its first and last frames are and how many
 * key frames it has. Walks EBML elements only as far as it needs (Segment → Info, Cluster →
 * Timecode and SimpleBlock); an unknown-size element (a file whose writer never finished) is
 * walked into until the data ends.
 */

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const CLUSTER = 0x1f43b675;
const TIMECODE = 0xe7;
const SIMPLE_BLOCK = 0xa3;
const CONTAINERS = new Set([SEGMENT, INFO, CLUSTER]);

export interface TrackSpan {
  track: number;
  frames: number;
  keyframes: number;
  /** Times in ms from the start of the file. */
  first: number;
  last: number;
}

export interface WebmInfo {
  /** Declared duration in ms (null when the writer never set it). */
  duration: number | null;
  tracks: Map<number, TrackSpan>;
}

function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; len: number; unknown: boolean } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  let len = 1;
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) len++;
  if (at + len > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> len);
  let allOnes = value === 0xff >> len;
  for (let i = 1; i < len; i++) {
    value = value * 256 + b[at + i]!;
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value, len, unknown: !keepMarker && allOnes };
}

export function readWebm(bytes: Uint8Array): WebmInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const info: WebmInfo = { duration: null, tracks: new Map() };
  let scale = 1_000_000; // ns per timecode unit
  let clusterTime = 0;
  const walk = (start: number, end: number) => {
    let at = start;
    while (at < end) {
      const id = vint(bytes, at, true);
      if (!id) return;
      const size = vint(bytes, at + id.len, false);
      if (!size) return;
      const body = at + id.len + size.len;
      const stop = size.unknown ? end : Math.min(end, body + size.value);
      if (CONTAINERS.has(id.value)) {
        walk(body, stop);
      } else if (id.value === TIMECODE_SCALE) {
        scale = readUint(bytes, body, size.value);
      } else if (id.value === DURATION) {
        const units = size.value === 4 ? view.getFloat32(body) : view.getFloat64(body);
        info.duration = (units * scale) / 1_000_000;
      } else if (id.value === TIMECODE) {
        clusterTime = readUint(bytes, body, size.value);
      } else if (id.value === SIMPLE_BLOCK) {
        const track = vint(bytes, body, false);
        if (track) {
          const rel = view.getInt16(body + track.len);
          const key = (bytes[body + track.len + 2]! & 0x80) !== 0;
          const t = ((clusterTime + rel) * scale) / 1_000_000;
          const span = info.tracks.get(track.value) ?? { track: track.value, frames: 0, keyframes: 0, first: t, last: t };
          span.frames++;
          if (key) span.keyframes++;
          span.first = Math.min(span.first, t);
          span.last = Math.max(span.last, t);
          info.tracks.set(track.value, span);
        }
      }
      if (size.unknown && !CONTAINERS.has(id.value)) return;
      at = stop;
    }
  };
  walk(0, bytes.length);
  return info;
}

function readUint(b: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + b[at + i]!;
  return v;
}
