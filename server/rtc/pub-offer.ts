/**
 * The checks on a page's offer for `pub` (its microphone, camera and screen), before werift sees it.
 */
import { CallError } from './call-error';
import { canPublish, type CallMode, type Source } from './permissions';
import type { Participant } from './participant';
import { sdpSections } from './peer';

/**
 * What one page may offer on pub (a browser offers its microphone, camera and screen: a handful of
 * audio/video m-lines, three camera layers, a renegotiation per change). A security review showed
 * what is refused otherwise: an `m=application` line let even a student without the microphone open
 * a data channel, where werift reassembles one message of any size in memory; 380 m-lines blocked
 * the event loop for 100 ms per offer; renegotiating with fresh mids grew memory without end.
 */
export const OFFER_LIMITS = { sections: 16, layers: 3, mids: 256, perTenSeconds: 20 };

/** The sending m-lines of a checked offer, by mid; throws CallError with what the page is told. */
export function checkPubOffer(mode: CallMode, p: Participant, sdp: string, declared: Record<string, Source>, now: number): Map<string, Source> {
  const sections = sdpSections(sdp);
  while (p.offerTimes.length && now - p.offerTimes[0]! > 10_000) p.offerTimes.shift();
  if (p.offerTimes.length >= OFFER_LIMITS.perTenSeconds) throw new CallError('Too many changes to the call at once: wait a few seconds and try again.');
  p.offerTimes.push(now);
  if (sections.some((s) => s.kind !== 'audio' && s.kind !== 'video')) throw new CallError('A call carries audio and video only.');
  if (sections.length > OFFER_LIMITS.sections) throw new CallError(`At most ${OFFER_LIMITS.sections} tracks can be offered at once.`);
  if (sections.some((s) => s.rids.length > OFFER_LIMITS.layers)) throw new CallError(`A camera is sent in at most ${OFFER_LIMITS.layers} layers.`);
  const fresh = sections.filter((s) => s.mid !== null && !p.pubMids.has(s.mid));
  if (p.pubMids.size + fresh.length > OFFER_LIMITS.mids) throw new CallError('This call connection has changed too often: leave the call and join again.');
  for (const s of fresh) p.pubMids.add(s.mid!);
  const sources = new Map<string, Source>();
  for (const s of sections) {
    if (s.port === 0 || s.direction === 'recvonly' || s.direction === 'inactive') continue;
    const source = s.mid === null ? undefined : declared[s.mid];
    if (!source) throw new CallError('Every sending track must say what it is (mic, cam or screen).');
    if ((source === 'mic') !== (s.kind === 'audio')) throw new CallError(`${s.kind === 'audio' ? 'An audio' : 'A video'} track cannot be "${source}".`);
    if ([...sources.values()].includes(source)) throw new CallError(`Only one "${source}" track at a time.`);
    if (!canPublish(mode, p.seat, source)) throw new CallError(source === 'mic' ? 'You may not speak until the lecturer allows it.' : 'Only the lecturer can share video or a screen in a lecture.');
    if (s.rids.length && source !== 'cam') throw new CallError('Only the camera is sent in layers.');
    sources.set(s.mid!, source);
  }
  return sources;
}
