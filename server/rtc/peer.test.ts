import { describe, expect, test } from 'bun:test';
import { bundleAcceptedOnly, pausedNotRejected, sdpSections } from './peer';

const offer = [
  'v=0',
  'a=group:BUNDLE 0 1 2',
  'm=audio 0 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=inactive',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=sendonly',
  'm=video 0 UDP/TLS/RTP/SAVPF 96',
  'a=mid:2',
  'a=sendonly',
  '',
].join('\r\n');

describe('pausedNotRejected', () => {
  test('an inactive m-line is offered with port 9 (paused), so the BUNDLE tag is never rejected', () => {
    const out = sdpSections(pausedNotRejected(offer)).map((s) => `${s.mid}:${s.port}:${s.direction}`);
    // mid 2 has port 0 without being inactive: not ours to change.
    expect(out).toEqual(['0:9:inactive', '1:9:sendonly', '2:0:sendonly']);
  });

  test('everything else is left byte for byte', () => {
    const out = pausedNotRejected(offer);
    expect(out.replace('m=audio 9 ', 'm=audio 0 ')).toBe(offer);
  });
});

describe('bundleAcceptedOnly', () => {
  test('an answer lists in BUNDLE only the m-lines it accepts (a stopped screen share is rejected with port 0)', () => {
    const answer = ['v=0', 'a=group:BUNDLE 0 1 2 3', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:2', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:3', ''].join('\r\n');
    expect(bundleAcceptedOnly(answer)).toBe(answer.replace('a=group:BUNDLE 0 1 2 3', 'a=group:BUNDLE 0 1 3'));
    const none = answer.replace('m=video 0 ', 'm=video 9 ');
    expect(bundleAcceptedOnly(none)).toBe(none);
  });
});
