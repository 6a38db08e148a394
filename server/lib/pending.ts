/**
 * Work under way that a shutdown waits for (deliveries, recordings being finished or stored): each
 * promise is forgotten once it settles, and `drain` also waits for work added while it waits. The
 * promises given must not reject (callers catch and log their own failures).
 */
export class Pending {
  private readonly set = new Set<Promise<unknown>>();

  add<T>(p: Promise<T>): Promise<T> {
    this.set.add(p);
    void p.finally(() => this.set.delete(p));
    return p;
  }

  get size(): number {
    return this.set.size;
  }

  /** Settles once everything under way now has. */
  current(): Promise<unknown> {
    return Promise.all([...this.set]);
  }

  /** Settles once nothing is under way, including work added meanwhile. */
  async drain(): Promise<void> {
    while (this.set.size) await this.current();
  }
}
