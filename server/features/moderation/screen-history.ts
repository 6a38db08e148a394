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
 * - Once judged, never again: a message that has a case (an officer released it, or it is open) is
 *   left alone; of two screenings at once, only the one whose write hid the message opens a case.
 * - No gap: `screenRoomFor` screens the history, lets the minor in, then screens what changed
 *   meanwhile (sent or edited while the room still had no minor, so not screened when sent).
 * - Bounded: the newest HISTORY_SCREENED messages (texts, and files by their names); older ones
 *   stay as they are (README).
 * - With MODERATION_SCOPE=all every message was screened when sent: nothing to do.
 */
import type { Message, ModerationCase, Room, User } from '../../store/types';
import type { ChatContext } from '../chat/context';
import { publishHidden } from '../chat/messages';
import { fileNameText, messageContext, minorIds, openCase } from './screen';

export const HISTORY_SCREENED = 2000;
const PAGE = 200;

/**
 * Screens `room` for minors joining it: its history, then `join()` (the write that adds them, if
 * any), then what changed in between. Returns the messages it held.
 */
export async function screenRoomFor(ctx: ChatContext, room: Room, join?: () => Promise<unknown>): Promise<Message[]> {
  if (!ctx.moderation || ctx.moderation.scope === 'all') {
    await join?.();
    return [];
  }
  const from = (await ctx.store.rooms.byId(room.id))?.lastSeq ?? room.lastSeq;
  const screened = new Screening(ctx, room);
  await screened.history();
  await join?.();
  await screened.changesSince(from);
  screened.notify();
  return screened.held;
}

class Screening {
  readonly held: Message[] = [];
  private cases: ModerationCase[] = [];
  private senders = new Map<string, User | null>();
  constructor(private ctx: ChatContext, private room: Room) {}

  async history() {
    let before: number | undefined;
    for (let seen = 0; seen < HISTORY_SCREENED; ) {
      const page = await this.ctx.store.messages.history(this.room.id, { beforeSeq: before, limit: PAGE });
      if (!page.length) return;
      before = page[0]!.seq;
      for (const m of page.reverse()) if (seen < HISTORY_SCREENED && (await this.one(m))) seen++;
      if (page.length < PAGE) return;
    }
  }

  /** Sent or edited after `rev` (at most a page of them: the minutes of one screening). */
  async changesSince(rev: number) {
    for (const m of await this.ctx.store.messages.changesSince(this.room.id, rev, HISTORY_SCREENED)) await this.one(m);
  }

  /** One notice for everything this screening held (a room's history can hold dozens at once). */
  notify() {
    const moderation = this.ctx.moderation!;
    const [first] = this.cases;
    if (!first) return;
    const n = this.cases.length;
    void moderation.notifier?.notify({
      caseId: first.id,
      kind: 'hold',
      severity: 'high',
      labels: [...new Set(this.cases.flatMap((c) => c.labels))],
      summary: n === 1 ? 'A message already in a room was held when a student under 18 joined it.' : `${n} messages already in a room were held when a student under 18 joined it.`,
      url: moderation.link(n === 1 ? `/admin/moderation/cases/${first.id}` : '/admin/moderation'),
      at: first.createdAt,
    });
  }

  /** Screens one message (false when there was nothing to screen). */
  private async one(m: Message): Promise<boolean> {
    if (m.kind === 'system' || m.deletedAt || m.held) return false;
    const moderation = this.ctx.moderation!;
    const model = moderation.classifier();
    if (!this.senders.has(m.senderId)) this.senders.set(m.senderId, await this.ctx.store.users.byId(m.senderId));
    const sender = this.senders.get(m.senderId);
    // A file message is its name, read as words (as when it was posted: postScreened).
    const c = model.classify(m.kind === 'file' ? fileNameText(m.body) : m.body, sender ? messageContext(this.room, sender) : undefined);
    if (!c.hold.length) return true;
    // Judged already (an officer released it, or a case is open): not again.
    if ((await this.ctx.store.cases.list({ messageId: m.id, limit: 1 })).length) return true;
    const hidden = await this.ctx.store.messages.setHeld(this.room.id, m.id, true);
    // Only the write that hid it opens the case (another screening may have got there first).
    if (!hidden || hidden.deletedAt || hidden.heldRev !== hidden.rev) return true;
    this.cases.push(await openCase(this.ctx.store, moderation, hidden, { severity: 'hold', labels: [...c.hold], scores: { ...c.scores }, modelVersion: model.version, towardsMinor: false }, 'history'));
    await publishHidden(this.ctx, hidden);
    this.held.push(hidden);
    return true;
  }
}

/**
 * Members just made minors (an admin's edit, an import): each of their rooms that had no other
 * minor is screened once (rooms with one were screened when she joined, and since then as sent).
 * Runs after the edit's response: a user in 200 rooms must not hold up the admin's request; the
 * caller catches and logs a failure.
 */
export async function screenRoomsOf(ctx: ChatContext, userIds: readonly string[]): Promise<void> {
  const rooms = new Map<string, Room>();
  for (const id of userIds) for (const { room } of await ctx.store.rooms.listForUser(id)) rooms.set(room.id, room);
  for (const room of rooms.values()) {
    const minors = await minorIds(ctx.store, room.id);
    if (minors.some((id) => !userIds.includes(id))) continue;
    await screenRoomFor(ctx, room);
  }
}
