/**
 * A room's earlier messages, screened when a student under 18 joins it (or a member becomes one).
 * Messages sent while the room had no minor were never screened (scope: screen.ts), and a new
 * member reads the room's history: without this, a minor added to an adults' room would read what
 * would have been held had she been there.
 *
 * Invariants:
 * - Only hold-level labels act: such a message is hidden (held) from everyone but its sender, who
 *   sees it "Held for review", and a case is opened (severity hold) for an officer, who may release
 *   it. A review-level message stays as it is (nobody was harmed by what the room already read).
 * - The case is not "towards a minor" (no minor was there when it was sent): it never counts
 *   towards the sender's automatic restriction, and its notice says where it was found.
 * - Idempotent: a message already held or deleted is skipped, and re-screening what was screened
 *   at send time finds no new hold with the same model (the conversation-level risk is not used).
 * - Bounded: the newest HISTORY_SCREENED messages (texts, and files by their names); older ones
 *   stay as they are (README).
 * - With MODERATION_SCOPE=all every message was screened when sent: nothing to do.
 */
import type { Message, Room, User } from '../../store/types';
import type { ChatContext } from '../chat/context';
import { publishHidden } from '../chat/messages';
import { fileNameText, messageContext, openCase } from './screen';

export const HISTORY_SCREENED = 2000;
const PAGE = 200;

/** Screens the room's history for the minors about to join it (or just made minors); returns the messages it held. */
export async function screenHistory(ctx: ChatContext, room: Room): Promise<Message[]> {
  const moderation = ctx.moderation;
  if (!moderation || moderation.scope === 'all') return [];
  const model = moderation.classifier();
  const senders = new Map<string, User | null>();
  const held: Message[] = [];
  let before: number | undefined;
  for (let seen = 0; seen < HISTORY_SCREENED; ) {
    const page = await ctx.store.messages.history(room.id, { beforeSeq: before, limit: PAGE });
    if (!page.length) break;
    before = page[0]!.seq;
    for (const m of page.reverse()) {
      if (m.kind === 'system' || m.deletedAt || m.held || seen >= HISTORY_SCREENED) continue;
      seen++;
      if (!senders.has(m.senderId)) senders.set(m.senderId, await ctx.store.users.byId(m.senderId));
      const sender = senders.get(m.senderId);
      // A file message is its name, read as words (as when it was posted: postScreened).
      const c = model.classify(m.kind === 'file' ? fileNameText(m.body) : m.body, sender ? messageContext(room, sender) : undefined);
      if (!c.hold.length) continue;
      const hidden = await ctx.store.messages.setHeld(room.id, m.id, true);
      if (!hidden) continue;
      await openCase(ctx.store, moderation, hidden, { severity: 'hold', labels: [...c.hold], scores: { ...c.scores }, modelVersion: model.version, towardsMinor: false }, 'history');
      await publishHidden(ctx, hidden);
      held.push(hidden);
    }
    if (page.length < PAGE) break;
  }
  return held;
}
