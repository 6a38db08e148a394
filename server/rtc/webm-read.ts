/**
 * Reads back what a WebM file holds, for checks of recordings (tests) and for recovering one a
 * crash left unfinished: the declared duration and, per track, when its first and last frames are
 * and how many key frames it has. One pass over the EBML elements, flat: a container we look
 * inside (Segment, Info, Cluster) is entered and everything else skipped by its size, so nesting
 * (werift writes Segment and Clusters of unknown size) costs no recursion; an unknown-size element
 * of another kind ends the walk. Bytes come through `read` (a buffer, or a file read in windows:
 * a 1 GB recording is not loaded whole).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

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
  /** Declared duration in ms (null when the file has none). */
  duration: number | null;
  tracks: Map<number, TrackSpan>;
}

/** `len` bytes at `at` (fewer at the end of the data). */
type Read = (at: number, len: number) => Uint8Array;

function vint(read: Read, at: number, keepMarker: boolean): { value: number; len: number; unknown: boolean } | null {
  const head = read(at, 8);
  const first = head[0];
  if (first === undefined || first === 0) return null;
  let len = 1;
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) len++;
  if (len > head.length) return null;
  let value = keepMarker ? first : first & (0xff >> len);
  let allOnes = value === 0xff >> len;
  for (let i = 1; i < len; i++) {
    value = value * 256 + head[i]!;
    if (head[i] !== 0xff) allOnes = false;
  }
  return { value, len, unknown: !keepMarker && allOnes };
}

const uint = (b: Uint8Array) => b.reduce((v, x) => v * 256 + x, 0);

function walk(read: Read, end: number): WebmInfo {
  const info: WebmInfo = { duration: null, tracks: new Map() };
  let scale = 1_000_000; // ns per timecode unit
  let clusterTime = 0;
  let at = 0;
  while (at < end) {
    const id = vint(read, at, true);
    const size = id && vint(read, at + id.len, false);
    if (!id || !size) break;
    const body = at + id.len + size.len;
    if (CONTAINERS.has(id.value)) {
      at = body;
      continue;
    }
    if (size.unknown) break;
    if (id.value === TIMECODE_SCALE) scale = uint(read(body, size.value));
    else if (id.value === TIMECODE) clusterTime = uint(read(body, size.value));
    else if (id.value === DURATION) {
      const b = read(body, size.value);
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      info.duration = ((size.value === 4 ? view.getFloat32(0) : view.getFloat64(0)) * scale) / 1_000_000;
    } else if (id.value === SIMPLE_BLOCK) {
      const track = vint(read, body, false);
      const head = track && read(body + track.len, 3);
      if (track && head && head.length === 3) {
        const rel = new DataView(head.buffer, head.byteOffset, 3).getInt16(0);
        const t = ((clusterTime + rel) * scale) / 1_000_000;
        const span = info.tracks.get(track.value) ?? { track: track.value, frames: 0, keyframes: 0, first: t, last: t };
        span.frames++;
        if (head[2]! & 0x80) span.keyframes++;
        span.first = Math.min(span.first, t);
        span.last = Math.max(span.last, t);
        info.tracks.set(track.value, span);
      }
    }
    at = body + size.value;
  }
  return info;
}

export function readWebm(bytes: Uint8Array): WebmInfo {
  return walk((at, len) => bytes.subarray(at, at + len), bytes.length);
}

const WINDOW = 1 << 20;

/** The same, from a file read a megabyte at a time. */
export function readWebmFile(path: string): WebmInfo {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let start = -1;
    let buf = new Uint8Array(0);
    const read: Read = (at, len) => {
      if (len > WINDOW) {
        const big = new Uint8Array(Math.min(len, Math.max(0, size - at)));
        readSync(fd, big, 0, big.length, at);
        return big;
      }
      if (start < 0 || at < start || Math.min(at + len, size) > start + buf.length) {
        buf = new Uint8Array(Math.min(WINDOW, Math.max(0, size - at)));
        readSync(fd, buf, 0, buf.length, at);
        start = at;
      }
      return buf.subarray(at - start, at - start + len);
    };
    return walk(read, size);
  } finally {
    closeSync(fd);
  }
}
