/**
 * A full call's "could not join" notices (QA: students were turned away from a full lecture and the
 * lecturer never knew): the names turned away since the last notice go out together, at most one
 * notice every TURNED_AWAY_EVERY_MS, so a class arriving at once gets one line with a count, not
 * one per student.
 */
export const TURNED_AWAY_EVERY_MS = 30_000;

export class TurnedAwayNotices {
  private names: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sentAt = -Infinity;

  /** `tell`: says the notice to whoever should hear it (the call decides), unless the call ended. */
  constructor(
    private maxParticipants: number,
    private tell: (message: string) => void,
    private now: () => number,
  ) {}

  add(name: string) {
    this.names.push(name);
    if (this.timer) return;
    const wait = Math.max(0, this.sentAt + TURNED_AWAY_EVERY_MS - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      const names = this.names.splice(0);
      if (!names.length) return;
      this.sentAt = this.now();
      const who = names.length === 1 ? `${names[0]} could not join` : `${names.length} people could not join (${names.slice(0, 3).join(', ')}${names.length > 3 ? '…' : ''})`;
      this.tell(`${who}: the call is full (${this.maxParticipants} people, RTC_MAX_PARTICIPANTS).`);
    }, wait);
  }

  /** The call ended: nothing more is said. */
  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
