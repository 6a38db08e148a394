/**
 * werift peer connections as the SFU uses them, and the candidate rules.
 *
 * Every participant has up to two connections (README "Calls"): `pub`, offered by the browser,
 * carrying what it sends; `sub`, offered by the server, carrying everything it receives. Two
 * connections mean each side only ever answers the other's offers on a given connection, so
 * renegotiation never collides ("glare").
 *
 * Codecs are pinned: Opus and VP8 (the VP8 payload descriptor is what we rewrite at layer
 * switches). Video feedback: NACK, PLI and REMB, no transport-cc (negotiating it made Chromium's
 * estimate collapse, see README).
 */
import './sctp-guard';
import { peerAllowed } from './remote-peers';
import {
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  ReceiverEstimatedMaxBitrate,
  useAbsSendTime,
  useNACK,
  useOPUS,
  usePLI,
  useREMB,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useVP8,
  UdpTransport,
  type RtcpPacket,
} from 'werift';
import type { RtcConfig } from './config';

/**
 * werift's UDP sockets have no 'error' listener, so the ICMP "port unreachable" that follows a
 * browser going away (recvmsg ECONNREFUSED) is thrown from the socket and ends the process.
 * Every media socket werift opens comes from UdpTransport.init: each gets a listener. (Patching
 * dgram.createSocket would not reach werift's ESM bundle, which imports it by name.)
 */
const weriftUdpInit = UdpTransport.init.bind(UdpTransport);
UdpTransport.init = async (...args: Parameters<typeof UdpTransport.init>) => {
  const transport = await weriftUdpInit(...args);
  transport.socket.on('error', () => {});
  return transport;
};

/** The network side every server peer shares (calls and the file relay): ports, addresses, who may connect. */
export function iceOptions(cfg: RtcConfig) {
  return {
    // The server is reachable directly (or through RTC_PUBLIC_IP); browsers get STUN/TURN.
    iceServers: [],
    iceUseIpv6: false,
    // Connectivity checks only to addresses a browser may really have (remote-peers.ts).
    iceFilterCandidatePair: (pair: { remoteCandidate: { host: string; port: number } }) => peerAllowed(cfg, pair.remoteCandidate.host, pair.remoteCandidate.port),
    ...(cfg.portRange ? { icePortRange: cfg.portRange } : {}),
    ...(cfg.listenIp ? { iceInterfaceAddresses: { udp4: cfg.listenIp }, iceAdditionalHostAddresses: [cfg.listenIp] } : {}),
  };
}

/** A call's peer: Opus and VP8 (simulcast rids, NACK, PLI, REMB), one bundled transport. */
export function createPeer(cfg: RtcConfig): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: {
      audio: [useOPUS()],
      video: [useVP8({ rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
    },
    headerExtensions: {
      audio: [useSdesMid()],
      video: [useSdesMid(), useSdesRTPStreamId(), useRepairedRtpStreamId(), useAbsSendTime()],
    },
    bundlePolicy: 'max-bundle',
    ...iceOptions(cfg),
  });
}

/**
 * The candidate line to announce, or null to keep it to ourselves. With RTC_LISTEN_IP only
 * candidates on that address are announced (werift also lists other interfaces); with
 * RTC_PUBLIC_IP host candidates carry the public address instead of the local one.
 */
export function announceCandidate(cfg: RtcConfig, line: string): string | null {
  const parts = line.replace(/^a=/, '').split(' ');
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …
  const address = parts[4];
  if (!address || parts[2]?.toLowerCase() !== 'udp') return null;
  if (address.includes(':')) return null;
  if (cfg.listenIp && address !== cfg.listenIp) return null;
  if (cfg.publicIp) {
    parts[4] = cfg.publicIp;
    return (line.startsWith('a=') ? 'a=' : '') + parts.join(' ');
  }
  return line;
}

/** Applies announceCandidate to every candidate line of an SDP. */
export function announceSdp(cfg: RtcConfig, sdp: string): string {
  const seen = new Set<string>();
  return sdp
    .split('\r\n')
    .flatMap((l) => {
      if (!l.startsWith('a=candidate:')) return [l];
      const out = announceCandidate(cfg, l);
      if (!out || seen.has(out)) return [];
      seen.add(out);
      return [out];
    })
    .join('\r\n');
}

/**
 * An offer's `inactive` m-lines with port 9 instead of werift's port 0. In an offer, port 0 means
 * "rejected" (JSEP), not "paused": Chrome then requires every m-line of the BUNDLE group to be
 * rejected once the group's first one is ("The m= section with mid='2' should be rejected"), which
 * happened whenever the person whose tracks had the first m-lines left a call of three or more.
 * We only ever pause a Down track (it may be reused for the next one), so nothing we offer is
 * rejected. Offers only: in an answer, port 0 must answer an m-line the browser rejected.
 */
export function pausedNotRejected(offerSdp: string): string {
  const lines = offerSdp.split('\r\n');
  let mLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('m=')) mLine = /^m=\S+ 0 /.test(l) ? i : -1;
    else if (mLine >= 0 && l === 'a=inactive') lines[mLine] = lines[mLine]!.replace(/^(m=\S+) 0 /, '$1 9 ');
  }
  return lines.join('\r\n');
}

/**
 * An answer whose BUNDLE group lists only the m-lines it accepts (port ≠ 0). werift lists every mid,
 * rejected ones too; a browser that stopped a transceiver (a screen share ended) offers its m-line
 * with port 0 and outside its BUNDLE group, and Chrome refuses an answer that puts it back ("A BUNDLE
 * group in answer contains a MID='2' that was not in the offered group"): the page's next offer
 * then never got an answer, so the screen could not be shared again.
 */
export function bundleAcceptedOnly(answerSdp: string): string {
  const rejected = new Set(sdpSections(answerSdp).filter((x) => x.port === 0 && x.mid !== null).map((x) => x.mid!));
  if (!rejected.size) return answerSdp;
  return answerSdp
    .split('\r\n')
    .map((l) => (l.startsWith('a=group:BUNDLE') ? ['a=group:BUNDLE', ...l.slice('a=group:BUNDLE'.length).trim().split(/\s+/).filter((m) => m && !rejected.has(m))].join(' ') : l))
    .join('\r\n');
}

/** A REMB feedback packet (RFC draft-alvestrand-rmcat-remb): bitrate = mantissa · 2^exp. */
export function rembPacket(senderSsrc: number, bitrate: number, ssrcs: number[]): RtcpPacket {
  let exp = 0;
  let mantissa = Math.max(0, Math.floor(bitrate));
  while (mantissa > 0x3ffff) {
    mantissa >>= 1;
    exp++;
  }
  const feedback = new ReceiverEstimatedMaxBitrate({ senderSsrc, mediaSsrc: 0, brExp: exp, brMantissa: mantissa, bitrate: BigInt(mantissa) << BigInt(exp), ssrcNum: ssrcs.length, ssrcFeedbacks: ssrcs });
  return new RtcpPayloadSpecificFeedback({ feedback }) as unknown as RtcpPacket;
}

export interface SdpSection {
  kind: string;
  mid: string | null;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  rids: string[];
  port: number;
}

/** The media sections of an SDP (just what permission checks need). */
export function sdpSections(sdp: string): SdpSection[] {
  const out: SdpSection[] = [];
  let cur: SdpSection | null = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      const [kind, port] = line.slice(2).split(' ');
      cur = { kind: kind ?? '', mid: null, direction: 'sendrecv', rids: [], port: Number(port) };
      out.push(cur);
    } else if (cur) {
      if (line.startsWith('a=mid:')) cur.mid = line.slice(6).trim();
      else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line.trim())) cur.direction = line.trim().slice(2) as SdpSection['direction'];
      else if (line.startsWith('a=rid:')) cur.rids.push(line.slice(6).split(' ')[0]!);
    }
  }
  return out;
}
