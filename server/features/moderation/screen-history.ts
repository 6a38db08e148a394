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
import { fileNameText, messageContext, minorIds, modelText, openCase } from './screen';

export const HISTORY_SCREENED = 2000;
const PAGE = 200;

/** Why a screening runs: a minor joins, a member becomes one, or a message landed after a join. */
export type ScreeningReason = 'joined' | 'became_minor' | 'late';

const SUMMARY: Record<ScreeningReason, (n: number) => string> = {
  joined: (n) => `${n === 1 ? 'A message already in a room was' : `${n} messages already in a room were`} held when a student under 18 joined it.`,
  became_minor: (n) => `${n === 1 ? 'A message was' : `${n} messages were`} held in the rooms of a member just recorded as under 18.`,
  late: () => 'A message sent as a student under 18 joined its room was held.',
};

/**
 * Screens `rooms` for a minor joining them: each one's history, then `write()` (the change that
 * brings her in, if any), then what changed in each meanwhile. Returns the messages it held.
 * Failures: before the write, `onFailure` 'refuse' throws and nothing is written (a minor is not
 * let into an unscreened room); 'write' logs, writes anyway and screens what it can after (she is
 * already a member who read that history: her being a minor must not wait on a classifier). After
 * the write, a failure is logged and the rest skipped: the write stands, the caller goes on.
 */
export async function screenRoomsFor(
  ctx: ChatContext,
  rooms: readonly Room[],
  write?: () => Promise<unknown>,
  opts: { reason?: ScreeningReason; onFailure?: 'refuse' | 'write' } = {},
): Promise<Message[]> {
  if (!ctx.moderation || ctx.moderation.scope === 'all' || !rooms.length) {
    await write?.();
    return [];
  }
  const notice = new Notice(ctx, opts.reason ?? 'joined');
  const screenings = rooms.map((room) => new Screening(ctx, room, notice));
  let from: number[] = [];
  try {
    try {
      // `from` before reading: on MongoDB a number is claimed before its message is written, and
      // the settled number never counts one still being written (its change is screened after).
      from = await Promise.all(rooms.map((r) => ctx.store.messages.settledSeq(r.id)));
      for (const s of screenings) await s.history();
    } catch (err) {
      if (opts.onFailure !== 'write') throw err;
      ctx.warn?.('history screening failed before the write; writing anyway', { err: String(err), rooms: rooms.length });
    }
    await write?.();
    try {
      // A room whose history was not finished before the write is screened whole now (that covers
      // what changed meanwhile); the others only for what changed.
      for (const [i, s] of screenings.entries()) await (s.historyDone && from[i] !== undefined ? s.changesSince(from[i]!) : s.history());
    } catch (err) {
      ctx.warn?.('history screening failed after the write', { err: String(err), rooms: rooms.length });
    }
  } finally {
    // What was held is reported even when a step failed.
    notice.send();
  }
  return screenings.flatMap((s) => s.held);
}

/**
 * A message screened while its room had no minor (so not at all) and stored after a minor joined:
 * a join's screening may have passed before it was written (MongoDB writes land after their number
 * is taken). Screened now, as history is, before the caller publishes it: true when it was held
 * (the caller re-reads it and publishes what it is now; nothing is pushed from here).
 */
export async function screenLate(ctx: ChatContext, room: Room, message: Message): Promise<boolean> {
  if (!ctx.moderation || ctx.moderation.scope === 'all' || !(await minorIds(ctx.store, room.id)).length) return false;
  const notice = new Notice(ctx, 'late');
  const s = new Screening(ctx, room, notice, { publish: false });
  try {
    await s.screen(message);
  } finally {
    notice.send();
  }
  return s.held.length > 0;
}

/**
 * Members about to be made minors (an admin's edit, an import): their rooms, each once, screened
 * around `write` (the change that makes them minors), which happens even if screening fails
 * first (they already read that history).
 */
export async function screenForNewMinors(ctx: ChatContext, userIds: readonly string[], write: () => Promise<unknown>): Promise<void> {
  await screenRoomsFor(ctx, await roomsOf(ctx, userIds), write, { reason: 'became_minor', onFailure: 'write' });
}

/** The rooms of these members, each once. */
export async function roomsOf(ctx: ChatContext, userIds: readonly string[]): Promise<Room[]> {
  const rooms = new Map<string, Room>();
  for (const id of userIds) for (const { room } of await ctx.store.rooms.listForUser(id)) rooms.set(room.id, room);
  return [...rooms.values()];
}

/** One notice to the officers for all a screening held (a room's history can hold dozens at once). */
class Notice {
  private cases: ModerationCase[] = [];
  constructor(private ctx: ChatContext, private reason: ScreeningReason) {}
  add(c: ModerationCase) {
    this.cases.push(c);
  }
  send() {
    const moderation = this.ctx.moderation!;
    const [first] = this.cases;
    if (!first) return;
    const n = this.cases.length;
    void moderation.notifier?.notify({
      caseId: first.id,
      kind: 'hold',
      severity: 'high',
      labels: [...new Set(this.cases.flatMap((c) => c.labels))],
      summary: SUMMARY[this.reason](n),
      url: moderation.link(n === 1 ? `/admin/moderation/cases/${first.id}` : '/admin/moderation'),
      at: first.createdAt,
    });
  }
}

class Screening {
  readonly held: Message[] = [];
  historyDone = false;
  private senders = new Map<string, User | null>();
  /** `publish`: push what it holds (a tombstone to the room); false when the caller publishes. */
  constructor(private ctx: ChatContext, private room: Room, private notice: Notice, private opts: { publish: boolean } = { publish: true }) {}

  async history() {
    let before: number | undefined;
    for (let seen = 0; seen < HISTORY_SCREENED; ) {
      const page = await this.ctx.store.messages.history(this.room.id, { beforeSeq: before, limit: PAGE });
      if (!page.length) break;
      before = page[0]!.seq;
      for (const m of page.reverse()) if (seen < HISTORY_SCREENED && (await this.one(m))) seen++;
      if (page.length < PAGE) break;
      // A page is ~0.1 s of classifying: on SQLite (synchronous under its promises) nothing else
      // would run meanwhile, so the server yields between pages.
      await Bun.sleep(0);
    }
    this.historyDone = true;
  }

  /** Everything sent or edited after `rev` (the minutes of one screening: usually a handful). */
  async changesSince(rev: number) {
    for (let after = rev; ; ) {
      const page = await this.ctx.store.messages.changesSince(this.room.id, after, PAGE);
      for (const m of page) await this.one(m);
      if (page.length < PAGE) return;
      after = page.at(-1)!.rev;
      await Bun.sleep(0);
    }
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
    const c = model.classify(m.kind === 'file' ? fileNameText(m.body) : await modelText(this.ctx.store, this.room.id, m.body), sender ? messageContext(this.room, sender) : undefined);
    if (!c.hold.length) return true;
    // Judged already, this very text (an officer released it, or a case is open): not again.
    if ((await this.ctx.store.cases.list({ messageId: m.id, limit: 20 })).some((x) => x.text === m.body)) return true;
    const hidden = await this.ctx.store.messages.setHeld(this.room.id, m.id, true);
    // Only the write that hid it opens the case (another screening may have got there first).
    if (!hidden || hidden.deletedAt || hidden.heldRev !== hidden.rev) return true;
    this.notice.add(await openCase(this.ctx.store, moderation, hidden, { severity: 'hold', labels: [...c.hold], scores: { ...c.scores }, modelVersion: model.version, towardsMinor: false }, 'history'));
    if (this.opts.publish) await publishHidden(this.ctx, hidden);
    this.held.push(hidden);
    return true;
  }
}
