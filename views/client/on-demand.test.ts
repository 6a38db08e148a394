import { describe, expect, test } from 'bun:test';
import { onDemand } from './on-demand';

/** A fake script loader: records each insertion; `finish(ok)` completes the oldest. */
function fakeLoader() {
  const inserted: string[] = [];
  const pending: ((ok: boolean) => void)[] = [];
  return {
    inserted,
    insert: (src: string, done: (ok: boolean) => void) => void (inserted.push(src), pending.push(done)),
    finish: (ok: boolean) => pending.shift()!(ok),
  };
}

const URLS = { call: '/assets/call.0123456789.js', upload: '/assets/upload.9876543210.js' };

describe('scripts loaded on first use', () => {
  test('many callers while it loads share one load and run in order once it has run; after that, at once', () => {
    const l = fakeLoader();
    const s = onDemand(URLS, l.insert);
    const ran: string[] = [];
    s.need('call', () => ran.push('first'));
    s.need('call', () => ran.push('second'));
    expect(l.inserted).toEqual([URLS.call]);
    expect(s.has('call')).toBe(false);
    expect(ran).toEqual([]);
    l.finish(true);
    expect(ran).toEqual(['first', 'second']);
    expect(s.has('call')).toBe(true);
    s.need('call', () => ran.push('third'));
    expect(ran).toEqual(['first', 'second', 'third']); // synchronously: still inside the press
    expect(l.inserted).toEqual([URLS.call]);
  });

  test('a failed load tells its callers, and the next need tries again', () => {
    const l = fakeLoader();
    const s = onDemand(URLS, l.insert);
    const said: string[] = [];
    s.need('upload', () => said.push('ran'), () => said.push('failed'));
    l.finish(false);
    expect(said).toEqual(['failed']);
    expect(s.has('upload')).toBe(false);
    s.need('upload', () => said.push('ran'));
    expect(l.inserted).toEqual([URLS.upload, URLS.upload]);
    l.finish(true);
    expect(said).toEqual(['failed', 'ran']);
  });

  test('each script is loaded apart', () => {
    const l = fakeLoader();
    const s = onDemand(URLS, l.insert);
    s.need('call', () => {});
    s.need('upload', () => {});
    expect(l.inserted).toEqual([URLS.call, URLS.upload]);
  });
});
