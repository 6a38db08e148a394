import type { Collection, Db } from 'mongodb';
import { isDup } from './errors';
import type { Pin, PinStore } from '../types';

/** `_id`: `${roomId}|${messageId}`. */
interface PinDoc {
  _id: string;
  roomId: string;
  messageId: string;
  pinnedBy: string;
  at: number;
}

export class MongoPins implements PinStore {
  private c: Collection<PinDoc>;
  constructor(db: Db) {
    this.c = db.collection<PinDoc>('pins');
  }

  async pin(p: Pin, max: number) {
    const _id = `${p.roomId}|${p.messageId}`;
    if (await this.c.findOne({ _id }, { projection: { _id: 1 } })) return 'already' as const;
    if ((await this.c.countDocuments({ roomId: p.roomId })) >= max) return 'full' as const;
    try {
      await this.c.insertOne({ _id, ...p });
      return 'pinned' as const;
    } catch (e) {
      if (isDup(e)) return 'already' as const;
      throw e;
    }
  }

  async unpin(roomId: string, messageId: string) {
    return (await this.c.deleteOne({ _id: `${roomId}|${messageId}` })).deletedCount > 0;
  }

  async list(roomId: string) {
    return (await this.c.find({ roomId }).sort({ at: -1, messageId: 1 }).toArray()).map((d) => ({ roomId: d.roomId, messageId: d.messageId, pinnedBy: d.pinnedBy, at: d.at }));
  }
}
