/**
 * What one end of a relayed transfer can make the relay hold (a security review's proof). The
 * relay's window accounting (RelayPipe) sees only whole data-channel messages; werift's SCTP below
 * it reassembled a message of any size first, whatever receive window it advertised: sctp-guard.ts
 * cuts off a peer that overruns the window.
 */
import { describe, expect, test } from 'bun:test';
import { answerer } from '../../bench/files-peers';
import { rtcConfigFromEnv } from './config';
import { Relay } from './relay';
import { CHUNK_BYTES, WINDOW_BYTES } from './relay-wire';

type Sctp = { inboundStreams: Record<string, { reassembly: { userData: Buffer }[] }>; advertisedRwnd: number };

describe('one end of a relay that ignores SCTP flow control', () => {
  for (const side of ['sender', 'receiver'] as const) {
    test(`(the ${side}) cannot make the relay hold more than a window`, async () => {
      const ends: string[] = [];
      const relay = new Relay(rtcConfigFromEnv({ RTC_LISTEN_IP: '127.0.0.1' }), (r) => ends.push(r));
      const [so, ro] = await Promise.all([relay.offer('sender'), relay.offer('receiver')]);
      const [s, r] = await Promise.all([answerer(so), answerer(ro)]);
      await relay.answer('sender', s.answer);
      await relay.answer('receiver', r.answer);
      const [sc, rc] = await Promise.all([s.channel, r.channel]);
      const [attacker, channel] = side === 'sender' ? [s.pc, sc] : [r.pc, rc];
      // The attacker's own SCTP stack (a modified client): no max-message-size check, no regard for the relay's window.
      const t = (attacker as unknown as { sctpTransport: { remoteMaxMessageSize: number; sctp: object } }).sctpTransport;
      t.remoteMaxMessageSize = 0;
      Object.defineProperty(t.sctp, 'peerRwnd', { get: () => 1e12 });
      const relaySctp = (relay as unknown as { pcs: Record<string, { sctpTransport: { sctp: Sctp } }> }).pcs[side]!.sctpTransport.sctp;
      const held = () => Object.values(relaySctp.inboundStreams).reduce((a, st) => a + st.reassembly.reduce((b, c) => b + c.userData.length, 0), 0);
      // One message of 64 MB (a real attacker never sends its last fragment).
      channel.send(Buffer.alloc(64 * 1024 * 1024, 7));
      let most = 0;
      for (let i = 0; i < 100 && most <= 2 * WINDOW_BYTES && !ends.length; i++) {
        await Bun.sleep(100);
        most = Math.max(most, held());
      }
      console.log(`${side}: relay reassembled ${(most / 1e6).toFixed(1)} MB of one message; its advertised window ${relaySctp.advertisedRwnd}`);
      relay.close('test over');
      await Promise.all([s.pc.close(), r.pc.close()]);
      expect(most).toBeLessThanOrEqual(WINDOW_BYTES + CHUNK_BYTES);
    }, 30_000);
  }
});
