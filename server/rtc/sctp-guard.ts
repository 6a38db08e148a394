/**
 * werift's SCTP reassembles a data-channel message from its fragments with no size limit, and keeps
 * accepting fragments when the sender ignores the receive window it advertises (1 MiB): a modified
 * client at either end of a file relay made the server hold one endless message, about 8 MB a second
 * (a security review's proof). A peer that overruns the window by more than a little is cut off:
 * what it sent is dropped and the association stopped (the relay's channel then closes, which ends
 * the relay). Browsers keep within the window. Applied to every SCTP association werift makes, once.
 */
import { RTCSctpTransport } from 'werift';

/** How far past our advertised window a peer may go (a packet in flight when the window closed). */
export const SCTP_OVERRUN_BYTES = 64 * 1024;

interface SctpInternals {
  advertisedRwnd: number;
  inboundStreams: Record<string, unknown>;
  receiveDataChunk(chunk: unknown): void;
  stop(): Promise<void>;
  ltOverrun?: boolean;
}

const guarded = new WeakSet<object>();

function guard(sctp: SctpInternals) {
  const proto = Object.getPrototypeOf(sctp) as SctpInternals;
  if (guarded.has(proto)) return;
  guarded.add(proto);
  const receive = proto.receiveDataChunk;
  proto.receiveDataChunk = function (this: SctpInternals, chunk: unknown) {
    if (this.ltOverrun) return;
    receive.call(this, chunk);
    if (this.advertisedRwnd < -SCTP_OVERRUN_BYTES) {
      this.ltOverrun = true;
      this.inboundStreams = {};
      void this.stop().catch(() => {});
    }
  };
}

const setDtls = RTCSctpTransport.prototype.setDtlsTransport;
RTCSctpTransport.prototype.setDtlsTransport = function (this: RTCSctpTransport, ...args: Parameters<typeof setDtls>) {
  setDtls.apply(this, args);
  if (this.sctp) guard(this.sctp as unknown as SctpInternals);
};
