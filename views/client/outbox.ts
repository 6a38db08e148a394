/**
 * The outbox: messages typed but not yet acknowledged by the server, kept in localStorage so they
 * survive a reload or a crash. An entry leaves the outbox when the server acknowledges its client
 * id (or the stored message arrives); a resend with the same client id never duplicates.
 */
export interface Pending {
  room: string;
  clientId: string;
  body: string;
  /** The message it answers (a reply), if any. */
  replyTo?: string;
  at: number;
  state: 'pending' | 'failed';
  error?: string;
}

export class Outbox {
  constructor(private key: string) {}

  all(): Pending[] {
    try {
      const v = JSON.parse(localStorage.getItem(this.key) ?? '[]');
      return Array.isArray(v) ? v : [];
    } catch {
      return [];
    }
  }

  private save(list: Pending[]) {
    try {
      localStorage.setItem(this.key, JSON.stringify(list));
    } catch {
      // storage full or disabled: the message still sends while the page stays open
    }
  }

  add(p: Pending) {
    this.save([...this.all(), p]);
  }

  remove(clientId: string): boolean {
    const list = this.all();
    const rest = list.filter((p) => p.clientId !== clientId);
    if (rest.length !== list.length) this.save(rest);
    return rest.length !== list.length;
  }

  update(clientId: string, patch: Partial<Pending>) {
    this.save(this.all().map((p) => (p.clientId === clientId ? { ...p, ...patch } : p)));
  }
}

/**
 * Every key the app keeps for a signed-in person starts with this (the outbox is `lt-outbox:<userId>`,
 * views/client/chat.ts). Sign-in clears them (signed-out.ts): on a shared lab computer, messages left
 * in the outbox would otherwise be sent as their author at her next sign-in there, maybe days later,
 * and be readable by whoever uses the machine next.
 */
export const USER_DATA_PREFIX = 'lt-';

/** Removes this browser's per-user data from `storages`; returns how many keys went. */
export function clearUserData(storages: Storage[]): number {
  let removed = 0;
  for (const s of storages) {
    try {
      for (const key of Array.from({ length: s.length }, (_, i) => s.key(i))) {
        if (key?.startsWith(USER_DATA_PREFIX)) {
          s.removeItem(key);
          removed++;
        }
      }
    } catch {
      // storage disabled: nothing was kept there either
    }
  }
  return removed;
}

export function newClientId(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
