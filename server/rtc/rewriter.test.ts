import { describe, expect, test } from 'bun:test';
import { RtpRewriter } from './rewriter';
import { seqDiff } from './seq';
import { parseVp8, writeVp8, type Vp8Descriptor } from './vp8';

/** A VP8 payload: X=1, S as given, I (15-bit picture id), L (TL0PICIDX), T (tid), then a payload byte. */
function vp8(pictureId: number, tl0: number, opts: { start?: boolean; key?: boolean; tid?: number } = {}): Uint8Array {
  const { start = true, key = false, tid = 0 } = opts;
  return new Uint8Array([0x80 | (start ? 0x10 : 0), 0x80 | 0x40 | 0x20, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff, tl0, tid << 6, key ? 0x00 : 0x01, 0xaa]);
}

const pkt = (seq: number, ts: number, payload: Uint8Array) => ({ seq, ts, vp8: parseVp8(payload) as Vp8Descriptor });

describe('VP8 payload descriptor', () => {
  test('reads picture id, TL0PICIDX, temporal layer and key frames', () => {
    const d = parseVp8(vp8(0x1234, 200, { key: true, tid: 2 }))!;
    expect(d).toMatchObject({ frameStart: true, keyframe: true, pictureId: 0x1234, pictureIdBits: 15, tl0PicIdx: 200, tid: 2, size: 6 });
    expect(parseVp8(vp8(5, 1))!.keyframe).toBe(false);
    // A key-frame bit on a packet that does not start the frame is not a key frame.
    expect(parseVp8(vp8(5, 1, { start: false, key: true }))!.keyframe).toBe(false);
    // 7-bit picture id, no extension fields.
    expect(parseVp8(new Uint8Array([0x90, 0x80, 0x05, 0x00]))).toMatchObject({ pictureId: 5, pictureIdBits: 7, keyframe: true });
    expect(parseVp8(new Uint8Array([0x10, 0x00]))).toMatchObject({ pictureId: -1, tl0PicIdx: -1, keyframe: true, size: 1 });
    expect(parseVp8(new Uint8Array([0x80]))).toBeNull();
    expect(parseVp8(new Uint8Array([0x80, 0x80, 0x81]))).toBeNull();
  });

  test('rewrites picture id and TL0PICIDX in place, keeping the other bits', () => {
    const p = vp8(100, 7, { tid: 1 });
    const d = parseVp8(p)!;
    writeVp8(p, d, 0x7ffe, 255);
    expect(parseVp8(p)).toMatchObject({ pictureId: 0x7ffe, pictureIdBits: 15, tl0PicIdx: 255, tid: 1 });
  });
});

describe('RtpRewriter', () => {
  test('the first source passes through unchanged', () => {
    const r = new RtpRewriter(90_000);
    const a = pkt(1000, 5000, vp8(10, 3, { key: true }));
    r.switchTo('l', a, 0);
    expect(r.map(a, 0)).toEqual({ seq: 1000, ts: 5000, pictureId: 10, tl0PicIdx: 3 });
    expect(r.map(pkt(1001, 8000, vp8(11, 4)), 33)).toEqual({ seq: 1001, ts: 8000, pictureId: 11, tl0PicIdx: 4 });
  });

  test('a switch continues sequence numbers, timestamps (by elapsed time), picture ids and TL0PICIDX', () => {
    const r = new RtpRewriter(90_000);
    const first = pkt(65534, 4294967000, vp8(32766, 254, { key: true }));
    r.switchTo('l', first, 0);
    r.map(first, 0);
    r.map(pkt(65535, 4294967000, vp8(32767, 255)), 10); // wraps next
    // 100 ms later the high layer's key frame arrives, with unrelated numbering.
    const key = pkt(40000, 123456, vp8(500, 60, { key: true }));
    r.switchTo('h', key, 110);
    expect(r.map(key, 110)).toEqual({ seq: 0, ts: (4294967000 + 9000) % 2 ** 32, pictureId: 0, tl0PicIdx: 0 });
    expect(r.map(pkt(40001, 123456 + 3000, vp8(501, 61)), 143)).toEqual({ seq: 1, ts: (4294967000 + 9000 + 3000) % 2 ** 32, pictureId: 1, tl0PicIdx: 1 });
    // A late packet of the new layer from before the switch point is dropped, not sent backwards.
    expect(r.map(pkt(39999, 120000, vp8(499, 59)), 150)).toBeNull();
  });

  test('timestamp offsets use all 32 bits (werift replaceRTP truncated them to 16)', () => {
    const r = new RtpRewriter(90_000);
    r.switchTo('a', pkt(1, 0x10000000, vp8(1, 1, { key: true })), 0);
    r.map(pkt(1, 0x10000000, vp8(1, 1, { key: true })), 0);
    const k = pkt(9, 0x00000005, vp8(9, 9, { key: true }));
    r.switchTo('b', k, 1000);
    expect(r.map(k, 1000)!.ts).toBe(0x10000000 + 90_000);
  });

  test('output sequence numbers stay contiguous over many switches; padding leaves no gap', () => {
    const r = new RtpRewriter(90_000);
    let sent: number[] = [];
    let now = 0;
    for (let layer = 0; layer < 20; layer++) {
      const base = (layer * 7919) & 0xffff;
      const key = pkt(base, layer * 1000, vp8(layer * 3, layer, { key: true }));
      r.switchTo(String(layer), key, now);
      for (let i = 0; i < 10; i++) {
        if (i === 5) {
          r.skip((base + i) & 0xffff);
          continue;
        }
        const out = r.map(pkt((base + i) & 0xffff, layer * 1000 + i, vp8(layer * 3 + i, layer)), (now += 5));
        sent.push(out!.seq);
      }
    }
    for (let i = 1; i < sent.length; i++) expect(seqDiff(sent[i]!, sent[i - 1]!)).toBe(1);
  });

  test('lookup maps a NACKed output sequence number back to its source and input number', () => {
    const r = new RtpRewriter(90_000);
    const a = pkt(100, 0, vp8(1, 1, { key: true }));
    r.switchTo('l', a, 0);
    for (let s = 100; s < 110; s++) r.map(pkt(s, 0, vp8(1, 1)), 0);
    const k = pkt(5000, 0, vp8(1, 1, { key: true }));
    r.switchTo('h', k, 10);
    for (let s = 5000; s < 5005; s++) r.map(pkt(s, 0, vp8(1, 1)), 10);
    expect(r.lookup(105)).toMatchObject({ inSeq: 105, epoch: { source: 'l' } });
    expect(r.lookup(110)).toMatchObject({ inSeq: 5000, epoch: { source: 'h' } });
    expect(r.lookup(114)).toMatchObject({ inSeq: 5004, epoch: { source: 'h' } });
    expect(r.lookup(115)).toBeNull(); // not sent yet
    // Rebuilt identically.
    const hit = r.lookup(112)!;
    expect(r.apply(hit.epoch, pkt(hit.inSeq, 0, vp8(1, 1))).seq).toBe(112);
  });
});
