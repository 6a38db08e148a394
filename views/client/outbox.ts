/**
 * The outbox: messages typed but not yet acknowledged by the server, kept in localStorage so they
 * survive a reload or a crash. An entry leaves the outbox when the server acknowledges its client
 * id (or the stored message arrives); a resend with the same client id never duplicates.
 */
export interface Pending {
  room: string;
  clientId: string;
  body: string;
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

export function newClientId(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
