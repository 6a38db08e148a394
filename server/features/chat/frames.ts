/**
 * Client → server WebSocket frames (JSON text). Every schema accepts the `headers` object that
 * htmx's hx-ws extension adds to what it sends, and nothing else unknown.
 * Documented in README.md ("WebSocket protocol").
 */
import { t, type Static } from 'elysia';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Type } from '@sinclair/typebox';
import { REORDER_WINDOW } from './limits';

const Id = t.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const HxHeaders = t.Optional(t.Record(t.String(), t.Unknown()));
const strict = { additionalProperties: false } as const;
// TypeBox's own Integer: Elysia's t.Integer also accepts numeric strings ("3"), which Check() does
// not convert, so a string would reach the store (and compare wrongly in MongoDB).
const Count = Type.Integer({ minimum: 0 });
// A string key schema is not checked by Record (any key passes); a RegExp key is.
const RoomKey = Type.RegExp(/^[A-Za-z0-9_-]{1,64}$/);
const RoomRevs = Type.Record(RoomKey, Count, { maxProperties: 200, additionalProperties: false });
/** Per room, the revs the page holds just below its rev (limits.ts REORDER_WINDOW). */
const RoomHave = Type.Record(RoomKey, Type.Array(Count, { maxItems: REORDER_WINDOW }), { maxProperties: 200, additionalProperties: false });

export const Frame = t.Union([
  // replyTo: the message it answers ('' = none: the composer's hidden field when not replying).
  t.Object({ type: t.Literal('send'), room: Id, clientId: t.String({ maxLength: 64 }), body: t.String({ maxLength: 20_000 }), replyTo: t.Optional(t.String({ maxLength: 64 })), headers: HxHeaders }, strict),
  t.Object({ type: t.Literal('edit'), room: Id, message: Id, body: t.String({ maxLength: 20_000 }), headers: HxHeaders }, strict),
  t.Object({ type: t.Literal('delete'), room: Id, message: Id, headers: HxHeaders }, strict),
  /** Adds (`on`) or takes back one's reaction; `emoji` one of views/reaction-set.ts (checked by the action). */
  t.Object({ type: t.Literal('react'), room: Id, message: Id, emoji: t.String({ maxLength: 16 }), on: t.Boolean(), headers: HxHeaders }, strict),
  /** Chooses (`on`) an answer of a poll, or takes it back (chat/polls.ts vote). */
  t.Object({ type: t.Literal('vote'), room: Id, message: Id, option: Type.Integer({ minimum: 0, maximum: 99 }), on: t.Boolean(), headers: HxHeaders }, strict),
  t.Object({ type: t.Literal('close-poll'), room: Id, message: Id, headers: HxHeaders }, strict),
  t.Object({ type: t.Literal('report'), room: Id, message: Id, concern: t.Optional(t.Boolean()), headers: HxHeaders }, strict),
  t.Object({ type: t.Literal('typing'), room: Id, headers: HxHeaders }, strict),
  t.Object({ type: t.Literal('read'), room: Id, seq: Count, headers: HxHeaders }, strict),
  // rxAt: per room, the newest time of a reaction or poll box the page has seen (chat/reactions.ts catchUp, polls.ts pollCatchUp).
  t.Object({ type: t.Literal('resume'), rooms: RoomRevs, have: t.Optional(RoomHave), rxAt: t.Optional(RoomRevs), headers: HxHeaders }, strict),
  /** The page's heartbeat (views/client/heartbeat.ts): answered by `pong`. */
  t.Object({ type: t.Literal('ping'), headers: HxHeaders }, strict),
]);

export type Frame = Static<typeof Frame>;

const checker = TypeCompiler.Compile(Frame);

export function parseFrame(data: unknown): Frame | null {
  return checker.Check(data) ? (data as Frame) : null;
}

/** Server → client data-only frames (JSON without `content`, so hx-ws does not swap them). */
export type ServerData =
  | { type: 'ack'; room: string; clientId: string; seq: number }
  | { type: 'reject'; room: string; clientId: string; message: string; retryAfterSec?: number }
  /** An edit refused (rate, a block, too long…): the page puts the text back in the edit box. */
  | { type: 'reject-edit'; room: string; id: string; message: string }
  /** A report was taken (or refused, with `error`): the page says so. */
  | { type: 'reported'; room: string; id: string; error?: string }
  /** A delete was done (or refused, with `error`): the page stops waiting for it. */
  | { type: 'deleted'; room: string; id: string; error?: string }
  /** A reaction refused (rate, a block, an archived room…): the page says why. Taken, the message's push says so. */
  | { type: 'reject-react'; room: string; id: string; message: string }
  /** A vote or a close of a poll refused (closed, a block, an archived room…): the page says why. Taken, the poll's push says so. */
  | { type: 'reject-poll'; room: string; id: string; message: string }
  | { type: 'pong' }
  | { type: 'resumed' };
