/** The progress row of a direct transfer (both sides): a progress bar with speed and time left. */
export const fmtBytes = (n: number) => (n < 1024 ** 2 ? `${Math.round(n / 1024)} KB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${(n / 1024 ** 3).toFixed(2)} GB`);
export const fmtTime = (s: number) => (!isFinite(s) ? '…' : s < 60 ? `${Math.ceil(s)} s` : `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`);

/** A progress bar with speed and time left (role="progressbar"). */
export class Progress {
  readonly el = document.createElement('div');
  private fill = document.createElement('span');
  readonly info = document.createElement('span');
  private samples: { t: number; b: number }[] = [];
  constructor(label: string, private size: number) {
    this.el.className = 'progress';
    this.el.setAttribute('role', 'progressbar');
    this.el.setAttribute('aria-label', label);
    this.el.setAttribute('aria-valuemin', '0');
    this.el.setAttribute('aria-valuemax', '100');
    this.el.append(this.fill);
    this.info.className = 'upload-info';
    this.info.setAttribute('aria-live', 'polite');
  }
  set(done: number, note = '') {
    const now = performance.now();
    this.samples.push({ t: now, b: done });
    while (this.samples.length > 2 && now - this.samples[0]!.t > 5000) this.samples.shift();
    const f = this.samples[0]!;
    const rate = now > f.t ? Math.max(0, ((done - f.b) / (now - f.t)) * 1000) : 0;
    const pct = Math.floor((done / this.size) * 100);
    this.el.setAttribute('aria-valuenow', String(pct));
    this.fill.style.width = `${pct}%`;
    this.info.textContent = `${fmtBytes(done)} of ${fmtBytes(this.size)} · ${fmtBytes(Math.round(rate))}/s · ${fmtTime(rate > 0 ? (this.size - done) / rate : Infinity)} left${note}`;
  }
}
