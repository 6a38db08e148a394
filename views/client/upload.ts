/**
 * Browser side of file uploads (README "Files"). Choosing a file in "Attach file" hashes it
 * (SHA-256, streamed in 4 MB slices so memory stays flat), opens the /upload socket, sends
 * `begin`, then binary chunks from the offset the server names, keeping a few chunks unacknowledged
 * for throughput. A dropped connection reconnects with back-off and resumes from the server's
 * stored offset; after a page reload, choosing the same file again resumes it too. Each upload has
 * a progress row (role="progressbar", speed, time left) with Pause / Resume / Cancel.
 */
import { socketUrl } from './socket-url';
import { checkSession } from './session-check';
import { SIGNED_OUT_EVENT, toSignIn } from './to-sign-in';
import { fileLimits, offerDirect } from './transfer-page';
import { MAX_THUMB_BYTES, tooLargeText } from '../../server/features/files/names';
import { leaveGuard } from './leave-guard';

const CHUNK = 256 * 1024;
const WINDOW = 8;
const HEADER = 12;

// ---- SHA-256, incremental (WebCrypto only hashes whole buffers) ----
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export class Sha256 {
  private h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  private w = new Uint32Array(64);
  private buf = new Uint8Array(64);
  private used = 0;
  private total = 0;

  update(data: Uint8Array) {
    this.total += data.length;
    let i = 0;
    if (this.used) {
      const n = Math.min(64 - this.used, data.length);
      this.buf.set(data.subarray(0, n), this.used);
      this.used += n;
      i = n;
      if (this.used < 64) return this;
      this.block(this.buf, 0);
      this.used = 0;
    }
    for (; i + 64 <= data.length; i += 64) this.block(data, i);
    this.buf.set(data.subarray(i), 0);
    this.used = data.length - i;
    return this;
  }

  private block(d: Uint8Array, o: number) {
    const w = this.w;
    for (let t = 0; t < 16; t++) w[t] = (d[o + 4 * t]! << 24) | (d[o + 4 * t + 1]! << 16) | (d[o + 4 * t + 2]! << 8) | d[o + 4 * t + 3]!;
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15]!, b = w[t - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let [a, b, c, dd, e, f, g, h] = this.h as unknown as number[];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e! >>> 6) | (e! << 26)) ^ ((e! >>> 11) | (e! << 21)) ^ ((e! >>> 25) | (e! << 7));
      const t1 = (h! + S1 + ((e! & f!) ^ (~e! & g!)) + K[t]! + w[t]!) | 0;
      const S0 = ((a! >>> 2) | (a! << 30)) ^ ((a! >>> 13) | (a! << 19)) ^ ((a! >>> 22) | (a! << 10));
      const t2 = (S0 + ((a! & b!) ^ (a! & c!) ^ (b! & c!))) | 0;
      [h, g, f, e, dd, c, b, a] = [g, f, e, (dd! + t1) | 0, c, b, a, (t1 + t2) | 0];
    }
    const H = this.h;
    H[0] = (H[0]! + a!) | 0; H[1] = (H[1]! + b!) | 0; H[2] = (H[2]! + c!) | 0; H[3] = (H[3]! + dd!) | 0;
    H[4] = (H[4]! + e!) | 0; H[5] = (H[5]! + f!) | 0; H[6] = (H[6]! + g!) | 0; H[7] = (H[7]! + h!) | 0;
  }

  hex(): string {
    const bits = this.total * 8;
    const pad = new Uint8Array(((this.used < 56 ? 56 : 120) - this.used) + 8);
    pad[0] = 0x80;
    const v = new DataView(pad.buffer);
    v.setUint32(pad.length - 8, Math.floor(bits / 2 ** 32));
    v.setUint32(pad.length - 4, bits >>> 0);
    this.total -= pad.length; // padding is not data
    this.update(pad);
    return Array.from(this.h, (x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
  }
}

// ---- CRC32 (per-chunk integrity) ----
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(d: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < d.length; i++) c = CRC_TABLE[(c ^ d[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function hashFile(file: Blob, progress: (done: number) => void): Promise<string> {
  const h = new Sha256();
  const SLICE = 4 * 1024 * 1024;
  for (let o = 0; o < file.size; o += SLICE) {
    h.update(new Uint8Array(await file.slice(o, o + SLICE).arrayBuffer()));
    progress(Math.min(file.size, o + SLICE));
  }
  return h.hex();
}

const THUMB_PX = 320;

/**
 * A small JPEG preview of an image (at most 320 px on its longer side), base64, for `begin`: readers
 * see it instead of downloading the photo. Undefined when the browser cannot decode the file.
 */
async function makeThumb(file: File): Promise<string | undefined> {
  if (!/^image\/(jpeg|png|gif|webp|bmp|avif)$/.test(file.type)) return undefined;
  try {
    const bmp = await createImageBitmap(file);
    const scale = Math.min(1, THUMB_PX / Math.max(bmp.width, bmp.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bmp.width * scale));
    canvas.height = Math.max(1, Math.round(bmp.height * scale));
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#fff'; // transparent PNGs on white, as JPEG has no alpha
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(bmp, 0, 0, canvas.width, canvas.height);
    bmp.close();
    for (const quality of [0.7, 0.5, 0.3]) {
      const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', quality));
      if (!blob || blob.size > MAX_THUMB_BYTES) continue;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
      return btoa(s);
    }
  } catch {
    // Not decodable here (a format this browser lacks): the message shows "Show image" instead.
  }
  return undefined;
}

const fmtBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(0)} KB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${(n / 1024 ** 3).toFixed(2)} GB`);
const fmtTime = (s: number) => (!isFinite(s) ? '…' : s < 60 ? `${Math.ceil(s)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s` : `${Math.floor(s / 3600)} h ${Math.ceil((s % 3600) / 60)} min`);

type State = 'hashing' | 'sending' | 'paused' | 'reconnecting' | 'done' | 'failed' | 'cancelled';
/** Leaving the page loses these; a paused upload was stopped on purpose (the same file resumes it). */
const IN_PROGRESS: ReadonlySet<State> = new Set(['hashing', 'sending', 'reconnecting']);
const leaving = typeof window !== 'undefined' ? leaveGuard(window) : null;
if (typeof window !== 'undefined') addEventListener(SIGNED_OUT_EVENT, () => leaving?.clear());

class Upload {
  private ws: WebSocket | null = null;
  private sha = '';
  private thumb: string | undefined;
  private next = 0;
  private acked = 0;
  private current: State = 'hashing';
  /** Every change of state passes here: the page asks before it is left while an upload is in progress. */
  private get state(): State {
    return this.current;
  }
  private set state(s: State) {
    this.current = s;
    leaving?.set(this, IN_PROGRESS.has(s));
  }
  private retry = 0;
  private samples: { t: number; b: number }[] = [];
  readonly row: HTMLLIElement;
  private bar: HTMLElement;
  private fill: HTMLElement;
  private info: HTMLElement;
  private pauseBtn: HTMLButtonElement;

  constructor(private file: File, private room: string, list: HTMLElement) {
    this.row = document.createElement('li');
    this.row.className = 'upload';
    const name = document.createElement('span');
    name.className = 'upload-name';
    name.textContent = file.name;
    this.bar = document.createElement('div');
    this.bar.className = 'progress';
    this.bar.setAttribute('role', 'progressbar');
    this.bar.setAttribute('aria-label', `Sending ${file.name}`);
    this.bar.setAttribute('aria-valuemin', '0');
    this.bar.setAttribute('aria-valuemax', '100');
    this.bar.setAttribute('aria-valuenow', '0');
    this.fill = document.createElement('span');
    this.bar.append(this.fill);
    this.info = document.createElement('span');
    this.info.className = 'upload-info';
    this.info.setAttribute('aria-live', 'polite');
    this.pauseBtn = this.button('Pause', () => (this.state === 'paused' ? this.resume() : this.pause()));
    const cancel = this.button('Cancel', () => this.cancel());
    this.row.append(name, this.bar, this.info, this.pauseBtn, cancel);
    list.append(this.row);
    this.state = 'hashing';
  }

  private button(label: string, fn: () => void) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link';
    b.textContent = label;
    b.addEventListener('click', fn);
    return b;
  }

  private show(done: number, text: string) {
    const pct = this.file.size ? Math.floor((done / this.file.size) * 100) : 100;
    this.bar.setAttribute('aria-valuenow', String(pct));
    this.bar.setAttribute('aria-valuetext', `${pct}%`);
    this.fill.style.width = `${pct}%`;
    this.info.textContent = text;
  }

  private showProgress() {
    const now = performance.now();
    this.samples.push({ t: now, b: this.acked });
    while (this.samples.length > 2 && now - this.samples[0]!.t > 5000) this.samples.shift();
    const first = this.samples[0]!;
    const rate = now > first.t ? ((this.acked - first.b) / (now - first.t)) * 1000 : 0;
    const left = rate > 0 ? (this.file.size - this.acked) / rate : Infinity;
    this.show(this.acked, `${fmtBytes(this.acked)} of ${fmtBytes(this.file.size)} · ${fmtBytes(Math.round(rate))}/s · ${fmtTime(left)} left`);
  }

  async start() {
    this.sha = await hashFile(this.file, (n) => this.show(0, `Preparing… ${this.file.size ? Math.floor((n / this.file.size) * 100) : 100}%`));
    this.thumb = await makeThumb(this.file);
    if (this.state === 'cancelled') return;
    this.state = 'sending';
    this.connect();
  }

  private connect() {
    const ws = new WebSocket(socketUrl('/upload'));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'begin', room: this.room, name: this.file.name, size: this.file.size, mime: this.file.type, sha256: this.sha, thumb: this.thumb }));
    };
    ws.onmessage = (e) => this.onMessage(JSON.parse(String(e.data)));
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.state !== 'sending' && this.state !== 'reconnecting') return;
      // Signed out: the upload cannot go on, so the sign-in page comes without a prompt (toSignIn;
      // the same file chosen again after signing in resumes from the stored offset).
      if (e.code === 4401) return toSignIn();
      checkSession(e.code);
      this.state = 'reconnecting';
      const delay = Math.min(30_000, 1000 * 2 ** this.retry++);
      this.show(this.acked, `Connection lost. Retrying in ${Math.round(delay / 1000)} s…`);
      setTimeout(() => this.state === 'reconnecting' && this.connect(), delay);
    };
  }

  private onMessage(m: { type: string; offset?: number; message?: string; status?: number; retryAfterSec?: number }) {
    switch (m.type) {
      case 'ready':
        this.state = 'sending';
        this.retry = 0;
        this.next = this.acked = m.offset!;
        this.samples = [];
        this.showProgress();
        void this.pump();
        return;
      case 'ack':
        this.acked = m.offset!;
        this.showProgress();
        void this.pump();
        return;
      case 'resync':
        this.next = this.acked = m.offset!;
        void this.pump();
        return;
      case 'done':
        this.state = 'done';
        this.ws?.close();
        this.row.remove();
        return;
      case 'error':
        // Many new files to one room at once (30 a minute): this one begins again by itself.
        if (m.status === 429 && m.retryAfterSec) return this.later(m.retryAfterSec);
        return this.refuse(m.message ?? 'The file could not be sent.');
    }
  }

  private later(sec: number) {
    const ws = this.ws;
    this.ws = null; // its close is not a lost connection
    ws?.close();
    this.state = 'reconnecting';
    this.show(this.acked, `Many files at once: this one starts in ${sec} s…`);
    setTimeout(() => this.state === 'reconnecting' && this.connect(), sec * 1000);
  }

  /** The file will not be sent: why, in the row (role=alert), which stays until cancelled. */
  refuse(message: string) {
    this.state = 'failed';
    this.ws?.close();
    this.info.setAttribute('role', 'alert');
    this.info.textContent = message;
    this.pauseBtn.hidden = true;
  }

  private pumping = false;
  private wait: ReturnType<typeof setTimeout> | null = null;
  private async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.state === 'sending' && this.ws?.readyState === WebSocket.OPEN && this.next < this.file.size && this.next - this.acked < WINDOW * CHUNK) {
        // At most one chunk waits in the browser: on a slow link the window would queue 2 MB there,
        // which Pause and Cancel cannot take back (a student's data spent after the row is gone).
        if (this.ws.bufferedAmount >= CHUNK) {
          // One wait at a time (every ack would otherwise start another polling chain).
          this.wait ??= setTimeout(() => {
            this.wait = null;
            void this.pump();
          }, 200);
          break;
        }
        const at = this.next;
        const payload = new Uint8Array(await this.file.slice(at, Math.min(at + CHUNK, this.file.size)).arrayBuffer());
        if (at !== this.next || this.state !== 'sending' || this.ws?.readyState !== WebSocket.OPEN) continue; // a resync moved us
        const frame = new Uint8Array(HEADER + payload.length);
        const v = new DataView(frame.buffer);
        v.setUint32(0, Math.floor(at / 2 ** 32));
        v.setUint32(4, at >>> 0);
        v.setUint32(8, crc32(payload));
        frame.set(payload, HEADER);
        this.ws.send(frame);
        this.next = at + payload.length;
      }
    } finally {
      this.pumping = false;
    }
  }

  pause() {
    if (this.state !== 'sending' && this.state !== 'reconnecting') return;
    this.state = 'paused';
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.pauseBtn.textContent = 'Resume';
    this.show(this.acked, `Paused at ${fmtBytes(this.acked)} of ${fmtBytes(this.file.size)}`);
  }

  resume() {
    if (this.state !== 'paused') return;
    this.state = 'sending';
    this.pauseBtn.textContent = 'Pause';
    this.connect();
  }

  cancel() {
    const ws = this.ws;
    this.state = 'cancelled';
    if (ws?.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'cancel' }));
      setTimeout(() => ws.close(), 1000);
    } else if (this.sha) {
      // Tell the server to drop the stored bytes even while paused.
      const c = new WebSocket(socketUrl('/upload'));
      c.onopen = () => c.send(JSON.stringify({ type: 'begin', room: this.room, name: this.file.name, size: this.file.size, mime: this.file.type, sha256: this.sha }));
      c.onmessage = (e) => (JSON.parse(String(e.data)).type === 'ready' ? c.send(JSON.stringify({ type: 'cancel' })) : c.close());
    }
    this.ws = null;
    this.row.remove();
  }
}

if (typeof document !== 'undefined') document.addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.dataset.uploadRoom) return;
  const room = input.dataset.uploadRoom;
  const list = document.getElementById(`uploads-${room}`);
  if (!list || !input.files) return;
  const files = Array.from(input.files);
  input.value = '';
  // Files above the server's threshold are not stored: they are offered for direct transfer (transfer.ts).
  for (const file of files) {
    void fileLimits().then((limits) => {
      if (limits && file.size > limits.thresholdBytes) return offerDirect(file, room, list);
      const up = new Upload(file, room, list);
      // Refused before the file is read: hashing a phone's 2 GB video first took minutes.
      if (limits && file.size > limits.maxFileBytes) return up.refuse(tooLargeText(file.name, file.size, limits.maxFileBytes));
      void up.start();
    });
  }
});
