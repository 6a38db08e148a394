/**
 * Browser side of file uploads (README "Files"), bundled into upload.js, which app.js loads when a
 * file is first chosen (attach.ts) or an offer's button pressed (offer-buttons.ts). Choosing a file
 * in "Attach file" hashes it (SHA-256, streamed in 4 MB slices so memory stays flat), opens the
 * /upload socket, sends
 * `begin`, then binary chunks from the offset the server names, keeping a few chunks unacknowledged
 * for throughput. Chunks are sized to the link (upload-pace.ts), so a connection that drops every
 * minute or two still keeps what it sent. A dropped connection reconnects with back-off and resumes
 * from the server's stored offset; after a page reload, choosing the same file again resumes it too.
 * Each upload has a progress row (role="progressbar", speed, time left) with Pause / Resume / Cancel.
 */
import { socketUrl } from './socket-url';
import { checkSession } from './session-check';
import { SIGNED_OUT_EVENT, toSignIn } from './to-sign-in';
import { fileLimits, offerDirect } from './transfer-page';
import { MAX_THUMB_BYTES, tooLargeText } from '../../server/features/files/names';
import { leaveGuard } from './leave-guard';
import { crc32, hashFile } from './upload-hash';
import { AckRate, chunkSize, MAX_CHUNK } from './upload-pace';
import { FILES_CHOSEN, type FilesChosen } from './demand-events';

/** Chunks unacknowledged at most (in bytes: 8 of the current size, 2 MB on a fast link). */
const WINDOW = 8;
const HEADER = 12;

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
  /** Throughput from acknowledgements: it sizes the chunks and is the speed shown. */
  private rate = new AckRate();
  /** The largest chunk the server takes (`ready.chunkSize`). */
  private maxChunk = MAX_CHUNK;
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

  /**
   * Bytes the server has stored: what a dropped connection keeps. Bytes merely handed to the socket
   * would move sooner, but on a phone they mostly wait in its own send buffer and a drop loses them;
   * with chunks of a few seconds the stored count moves often enough.
   */
  private showProgress() {
    const measured = this.rate.bytesPerSec() ?? 0;
    const rate = isFinite(measured) ? measured : 0;
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
      this.rate.lost(performance.now());
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

  private onMessage(m: { type: string; offset?: number; chunkSize?: number; message?: string; status?: number; retryAfterSec?: number }) {
    switch (m.type) {
      case 'ready':
        this.state = 'sending';
        this.retry = 0;
        this.next = this.acked = m.offset!;
        this.maxChunk = m.chunkSize ?? MAX_CHUNK;
        this.rate.stop(); // nothing is in flight on a new socket
        this.showProgress();
        void this.pump();
        return;
      case 'ack':
        this.rate.acked(m.offset! - this.acked, performance.now(), m.offset! >= this.next);
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
    this.rate.stop();
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
      for (;;) {
        const chunk = chunkSize(this.rate.bytesPerSec(), this.maxChunk);
        if (this.state !== 'sending' || this.ws?.readyState !== WebSocket.OPEN || this.next >= this.file.size || this.next - this.acked >= WINDOW * chunk) break;
        // At most one chunk waits in the browser: on a slow link the window would queue it all there,
        // which Pause and Cancel cannot take back (a student's data spent after the row is gone).
        if (this.ws.bufferedAmount >= chunk) {
          // One wait at a time (every ack would otherwise start another polling chain).
          this.wait ??= setTimeout(() => {
            this.wait = null;
            void this.pump();
          }, 200);
          break;
        }
        const at = this.next;
        const payload = new Uint8Array(await this.file.slice(at, Math.min(at + chunk, this.file.size)).arrayBuffer());
        if (at !== this.next || this.state !== 'sending' || this.ws?.readyState !== WebSocket.OPEN) continue; // a resync moved us
        const frame = new Uint8Array(HEADER + payload.length);
        const v = new DataView(frame.buffer);
        v.setUint32(0, Math.floor(at / 2 ** 32));
        v.setUint32(4, at >>> 0);
        v.setUint32(8, crc32(payload));
        frame.set(payload, HEADER);
        this.ws.send(frame);
        this.rate.sent(performance.now());
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
    this.rate.stop();
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

// Files chosen in Attach file, handed on by app.js once this bundle has run (attach.ts).
if (typeof document !== 'undefined') document.addEventListener(FILES_CHOSEN, (e) => {
  const { room, files } = (e as CustomEvent<FilesChosen>).detail;
  const list = document.getElementById(`uploads-${room}`);
  if (!list) return;
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
