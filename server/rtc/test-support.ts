/** Test support for the SFU's signalling tests: SFUs closed after each test, fake endpoints, members. */
import { afterEach } from 'bun:test';
import { rtcConfigFromEnv, type RtcConfig } from './config';
import type { ServerMsg } from './protocol';
import { Sfu, type SfuLogger } from './sfu';

/** SFUs made with `sfu()` in this file, closed after each test. */
export function sfuFactory() {
  const sfus: Sfu[] = [];
  afterEach(async () => {
    for (const s of sfus.splice(0)) await s.close();
  });
  return (env: Record<string, string> = {}, extra: Partial<RtcConfig> = {}, log: SfuLogger = { info() {}, warn() {} }) => {
    const s = new Sfu({ ...rtcConfigFromEnv(env), ...extra }, log);
    sfus.push(s);
    return s;
  };
}

/** An endpoint that keeps what it was sent and the close codes. */
export function endpoint() {
  const got: ServerMsg[] = [];
  const closed: number[] = [];
  return { got, closed, send: (m: ServerMsg) => got.push(m), close: (code: number) => closed.push(code) };
}

export const member = (n: number) => ({ userId: `u${n}`, name: `User ${n}` });
