/**
 * Pinned messages: what a room keeps at hand ("Exam on 12 December in LT1") above its stream, which
 * in a class of 300 buries everything within a day. The room's bar says how many
 * (views/pins.ts pinsBar, pushed to the room at each change: the same for every member) and leads to
 * the list (GET /rooms/:id/pinned), rendered for its reader.
 *
 * Who pins: in a course room, those who teach or run it (a lecturer or administrator, the room's
 * owners and moderators); in a group or a direct conversation, any member. Pinning is posting in
 * what it shows everyone: refused where a block, restriction or freeze stops the person posting,
 * and in an archived room. Only a message everyone may see: not a held one, not a deleted one. A
 * deleted message leaves the pins (deleteMessage calls unpinDeleted); one hidden by safeguarding
 * stays pinned but is listed for nobody until it is released. At most MAX_PINS per room.
 */
import { badRequest, forbidden, notFound, rateLimited } from '../../errors';
import type { Membership, Message, Pin, Room, User } from '../../store/types';
import { topics } from '../../realtime/topics';
import { partial } from '../../../views/partials';
import { pinsBar, pinsBarId } from '../../../views/pins';
import { assertMayPost } from '../moderation/restrictions';
import type { ChatContext } from './context';
import { roomOfMember } from './member-room';
import { mayLead } from './posting';

export const MAX_PINS = 20;

/**
 * In a course room those who lead it (posting.ts mayLead: the lecturer, administrators, the room's
 * owners and moderators); in a group or a direct conversation any member, unless it is
 * announcements-only: then its leaders too.
 */
export const mayPin = (user: User, membership: Membership, room: Room) => (room.kind !== 'course' && !room.announcementsOnly) || mayLead(user, membership, room);

/** Pins (`on`) or unpins a message of the room; whether that changed anything. */
export async function pinMessage(ctx: ChatContext, user: User, input: { roomId: string; messageId: string; on: boolean }): Promise<boolean> {
  const { room, membership } = await roomOfMember(ctx.store, user.id, input.roomId);
  if (!mayPin(user, membership, room)) throw forbidden('In a course room only the lecturer, the room’s owners and its moderators pin messages.');
  if (room.archived) throw badRequest('This room is archived: you can read it but not change it.');
  await assertMayPost(ctx.store, user, room);
  const message = await ctx.store.messages.byId(room.id, input.messageId);
  // A held message is for its sender and the officers only: not pinned (unpinning one tells nothing).
  if (!message || (input.on && message.held)) throw notFound('No such message.');
  if (input.on && message.deletedAt) throw badRequest('This message was deleted.');
  const wait = await ctx.reactLimiter.take(`pin:${user.id}:${room.id}`);
  if (wait) throw rateLimited(`You are pinning too fast. Wait ${wait} second${wait === 1 ? '' : 's'} and try again.`, wait);
  let changed: boolean;
  if (input.on) {
    // Pins of hidden messages take no place (nobody sees them, and they cannot be unpinned from the list).
    const { hidden } = await pinsOf(ctx, room.id);
    const r = await ctx.store.pins.pin({ roomId: room.id, messageId: message.id, pinnedBy: user.id, at: Date.now() }, MAX_PINS + hidden);
    if (r === 'full') throw badRequest(`This room has ${MAX_PINS} pinned messages, as many as it keeps: unpin one first.`);
    changed = r === 'pinned';
    // Deleted between the check above and the pin: deleteMessage's unpin may have run before it.
    const after = changed ? await ctx.store.messages.byId(room.id, message.id) : message;
    if (!after || after.deletedAt) {
      await ctx.store.pins.unpin(room.id, message.id);
      throw badRequest('This message was deleted.');
    }
  } else changed = await ctx.store.pins.unpin(room.id, message.id);
  if (changed) await publishPins(ctx, room.id);
  return changed;
}

/** A deleted message leaves the room's pins (called by deleteMessage). */
export async function unpinDeleted(ctx: ChatContext, message: Message) {
  if (await ctx.store.pins.unpin(message.roomId, message.id)) await publishPins(ctx, message.roomId);
}

/**
 * A message hidden by safeguarding, or released, changes what the bar counts when it is pinned
 * (messages.ts publishHidden / publishVisible call this for changes of existing messages).
 */
export async function pinnedChanged(ctx: ChatContext, message: Message) {
  if ((await ctx.store.pins.list(message.roomId)).some((p) => p.messageId === message.id)) await publishPins(ctx, message.roomId);
}

/** The room's bar, to every member's page (the count is the same for all). */
async function publishPins(ctx: ChatContext, roomId: string) {
  ctx.hub.publish(topics.room(roomId), (await pinsBarPartial(ctx, roomId)).value);
}

/** The bar as a push (also sent again to a page that reconnects: ws.ts resume). */
export async function pinsBarPartial(ctx: ChatContext, roomId: string) {
  const { count, at } = await pinnedCount(ctx, roomId);
  return partial(pinsBarId(roomId), 'outerHTML', pinsBar(roomId, count, at));
}

/**
 * Pinned messages everyone may see (a hidden one is not counted: it is listed for nobody), and when
 * they were counted: read before the count, so a page keeps the bar read last (data-at), whatever
 * order pushes and the page itself arrive in.
 */
export async function pinnedCount(ctx: ChatContext, roomId: string): Promise<{ count: number; at: number }> {
  const at = Date.now();
  return { count: (await pinsOf(ctx, roomId)).visible.length, at };
}

/** The room's pins with their messages: those everyone may see, and how many are not (held, or gone). */
async function pinsOf(ctx: ChatContext, roomId: string): Promise<{ visible: { pin: Pin; message: Message }[]; hidden: number }> {
  const pins = await ctx.store.pins.list(roomId);
  const messages = await Promise.all(pins.map((p) => ctx.store.messages.byId(roomId, p.messageId)));
  const visible = pins.flatMap((pin, i) => {
    const m = messages[i];
    return m && !m.held && !m.deletedAt ? [{ pin, message: m }] : [];
  });
  return { visible, hidden: pins.length - visible.length };
}

export interface PinnedRow {
  message: Message;
  sender: string;
  pinnedBy: string;
  at: number;
}

export interface PinnedList {
  room: Room;
  rows: PinnedRow[];
  /** The reader may unpin (the same people who pin). */
  canPin: boolean;
}

/** The room's pinned messages its reader may see, newest pin first. */
export async function pinnedList(ctx: ChatContext, user: User, roomId: string): Promise<PinnedList> {
  const { room, membership } = await roomOfMember(ctx.store, user.id, roomId);
  // Hidden by safeguarding (held) or gone: listed for nobody, its sender included.
  const { visible } = await pinsOf(ctx, room.id);
  const names = new Map((await ctx.store.users.byIds([...new Set(visible.flatMap(({ pin, message }) => [pin.pinnedBy, message.senderId]))])).map((u) => [u.id, u.name]));
  const rows = visible.map(({ pin, message }) => ({ message, sender: names.get(message.senderId) ?? 'Someone', pinnedBy: names.get(pin.pinnedBy) ?? 'Someone', at: pin.at }));
  return { room, rows, canPin: mayPin(user, membership, room) && !room.archived };
}
