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
 *   towards the sender's automatic restriction. One notice per screening, not one per message.
 * - Judged text is not judged again: a message with a case on its current text (an officer
 *   released it, or it is open) is left alone; edited since, it is screened like any other. Of two
 *   screenings at once, only the one whose write hid a message opens its case.
 * - No gap: screenRoomsFor screens the history, then makes the write that brings the minor in (the
 *   membership, or the date of birth), then screens what changed meanwhile (sent or edited while
 *   the room had no minor, so not screened when sent). The write waits for the screening.
 * - Every joining is screened, also in rooms that already have a minor: whether their history was
 *   ever screened is not recorded (a minor who joined before this existed, a screening cut short by
 *   a shutdown, or one still running), and judged text costs one case lookup.
 * - Bounded: the newest HISTORY_SCREENED messages per room (texts, and files by their names);
 *   older ones stay as they are (README).
 * - With MODERATION_SCOPE=all every message was screened when sent: nothing to do.
 */
import type { Message, ModerationCase, Room, User } from '../../store/types';
import type { ChatContext } from '../chat/context';
import { publishHidden } from '../chat/messages';
import { fileNameText, messageContext, minorIds, openCase } from './screen';

export const HISTORY_SCREENED = 2000;
const PAGE = 200;

/**
 * Screens `rooms` for a minor joining them: each one's history, then `write()` (the change that
 * brings her in, if any), then what changed in each meanwhile. Returns the messages it held.
 */
export async function screenRoomsFor(ctx: ChatContext, rooms: readonly Room[], write?: () => Promise<unknown>): Promise<Message[]> {
  if (!ctx.moderation || ctx.moderation.scope === 'all' || !rooms.length) {
    await write?.();
    return [];
  }
  const screenings = rooms.map((room) => new Screening(ctx, room));
  try {
    // `from` before reading: on MongoDB a number is claimed before its message is written, and
    // the settled number never counts one still being written (its change is screened after).
    const from = await Promise.all(rooms.map((r) => ctx.store.messages.settledSeq(r.id)));
    for (const s of screenings) await s.history();
    await write?.();
    for (const [i, s] of screenings.entries()) await s.changesSince(from[i]!);
  } finally {
    // What was held is reported even when a later step failed.
    for (const s of screenings) s.notify();
  }
  return screenings.flatMap((s) => s.held);
}

/**
 * A message screened while its room had no minor (so not at all) and stored after a minor joined:
 * a join's screening may have passed before it was written (MongoDB writes land after their number
 * is taken). Screened now as history is. The message is already published: a hold takes it back.
 */
export async function screenLate(ctx: ChatContext, room: Room, message: Message): Promise<void> {
  if (!ctx.moderation || ctx.moderation.scope === 'all' || !(await minorIds(ctx.store, room.id)).length) return;
  const s = new Screening(ctx, room);
  try {
    await s.screen(message);
  } finally {
    s.notify();
  }
}

/** The rooms of members about to be made minors (an admin's edit, an import), each once. */
export async function roomsOf(ctx: ChatContext, userIds: readonly string[]): Promise<Room[]> {
  const rooms = new Map<string, Room>();
  for (const id of userIds) for (const { room } of await ctx.store.rooms.listForUser(id)) rooms.set(room.id, room);
  return [...rooms.values()];
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

  /** Screens one message, as it is now in the store. */
  async screen(m: Message) {
    const now = await this.ctx.store.messages.byId(this.room.id, m.id);
    if (now) await this.one(now);
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
    // Judged already, this very text (an officer released it, or a case is open): not again.
    if ((await this.ctx.store.cases.list({ messageId: m.id, limit: 20 })).some((x) => x.text === m.body)) return true;
    const hidden = await this.ctx.store.messages.setHeld(this.room.id, m.id, true);
    // Only the write that hid it opens the case (another screening may have got there first).
    if (!hidden || hidden.deletedAt || hidden.heldRev !== hidden.rev) return true;
    this.cases.push(await openCase(this.ctx.store, moderation, hidden, { severity: 'hold', labels: [...c.hold], scores: { ...c.scores }, modelVersion: model.version, towardsMinor: false }, 'history'));
    await publishHidden(this.ctx, hidden);
    this.held.push(hidden);
    return true;
  }
}
