/**
 * What the two signalling protocols (calls on /rtc, direct transfers on /xfer) share: the TypeBox
 * pieces for ids, SDP and ICE candidates, the message constructor (every message may carry the
 * `headers` object htmx adds and nothing else unknown), and one parser (JSON text or an object,
 * checked against a compiled schema; anything else is null).
 */
import { Type as T, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export const Id = T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const Sdp = T.String({ minLength: 1, maxLength: 32_000 });
export const strict = { additionalProperties: false } as const;
export const Candidate = T.Object(
  {
    candidate: T.String({ maxLength: 1_000 }),
    sdpMid: T.Optional(T.Union([T.String({ maxLength: 32 }), T.Null()])),
    sdpMLineIndex: T.Optional(T.Union([T.Integer({ minimum: 0, maximum: 64 }), T.Null()])),
    usernameFragment: T.Optional(T.Union([T.String({ maxLength: 256 }), T.Null()])),
  },
  strict,
);
export type Candidate = Static<typeof Candidate>;

const Headers = T.Optional(T.Record(T.String(), T.Unknown()));

/** One message type: `{ type, ...props, headers? }`, nothing else. */
export const msg = <K extends string, P extends TProperties>(type: K, props: P) => T.Object({ type: T.Literal(type), ...props, headers: Headers }, strict);

/** A parser for `schema`: JSON text (at most `maxChars`) or an already parsed value; null when invalid. */
export function parserFor<S extends TSchema>(schema: S, maxChars = Infinity): (data: unknown) => Static<S> | null {
  const checker = TypeCompiler.Compile(schema);
  return (data) => {
    let v = data;
    if (typeof v === 'string') {
      if (v.length > maxChars) return null;
      try {
        v = JSON.parse(v);
      } catch {
        return null;
      }
    }
    return checker.Check(v) ? (v as Static<S>) : null;
  };
}
