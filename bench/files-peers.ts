/**
 * werift stand-ins for the two browsers of a direct transfer, for the relay test and the benchmark:
 * each answers an offer (the relay's, or the other peer's) and runs the same engines as the page
 * (views/client/transfer-engine.ts) on its `xfer` data channel. Loopback only.
 */
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import { DATA_CHANNEL_LABEL } from '../server/rtc/relay-wire';
import { ReceiveEngine, SendEngine, type Wire } from '../views/client/transfer-engine';

const LOOPBACK = () => ({ iceUseIpv6: false, iceInterfaceAddresses: { udp4: '127.0.0.1' }, iceAdditionalHostAddresses: ['127.0.0.1'] });

export function wireOf(dc: RTCDataChannel): Wire {
  dc.bufferedAmountLowThreshold = 256 * 1024;
  return {
    send: (d) => dc.send(typeof d === 'string' ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
    buffered: () => dc.bufferedAmount,
    drained: () => new Promise<void>((r) => dc.bufferedAmountLow.once(() => r())),
  };
}

const asBytes = (d: string | Buffer) => (typeof d === 'string' ? d : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));

/** A peer that answers `offerSdp`; resolves its answer SDP and, later, its open channel. */
export async function answerer(offerSdp: string): Promise<{ pc: RTCPeerConnection; answer: string; channel: Promise<RTCDataChannel> }> {
  const pc = new RTCPeerConnection(LOOPBACK());
  const channel = new Promise<RTCDataChannel>((resolve) =>
    pc.onDataChannel.subscribe((dc) => (dc.readyState === 'open' ? resolve(dc) : dc.stateChanged.subscribe((s) => s === 'open' && resolve(dc)))),
  );
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await pc.setLocalDescription(await pc.createAnswer());
  return { pc, answer: pc.localDescription!.sdp, channel };
}

/** A direct pair of werift peers (no server): the sender's and the receiver's open channels. */
export async function directPair(): Promise<{ close(): void; sender: RTCDataChannel; receiver: RTCDataChannel }> {
  const a = new RTCPeerConnection(LOOPBACK());
  const dc = a.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true });
  const opened = new Promise<void>((r) => dc.stateChanged.subscribe((s) => s === 'open' && r()));
  await a.setLocalDescription(await a.createOffer());
  const b = await answerer(a.localDescription!.sdp);
  await a.setRemoteDescription({ type: 'answer', sdp: b.answer });
  const [receiver] = await Promise.all([b.channel, opened]);
  return { sender: dc, receiver, close: () => void Promise.all([a.close(), b.pc.close()]).catch(() => {}) };
}

/** Sends `data` from one channel to the other with the page's engines; resolves when verified. */
export function runTransfer(sender: RTCDataChannel, receiver: RTCDataChannel, data: Uint8Array, shas: string[], digest: string, opts: { onProgress?: (offset: number) => void } = {}): Promise<{ offset: number }> {
  return new Promise((resolve, reject) => {
    const send = new SendEngine(wireOf(sender), data.byteLength, async (a, b) => data.subarray(a, b), shas, { progress() {}, cancelled: () => reject(new Error('cancelled')), failed: (w) => reject(new Error(w)) });
    const recv = new ReceiveEngine(data.byteLength, digest, async () => {}, {
      progress: (o) => opts.onProgress?.(o),
      done: () => resolve({ offset: recv.offset }),
      failed: (w) => reject(new Error(w)),
      cancelled: () => reject(new Error('cancelled')),
    });
    sender.onMessage.subscribe((d) => send.message(asBytes(d)));
    receiver.onMessage.subscribe((d) => recv.message(asBytes(d)));
    recv.attach(wireOf(receiver));
  });
}
