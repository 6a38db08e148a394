/**
 * Who did something, and the one way actions write an audit entry. Audit entries are stored
 * (hash-chained, see store/audit-chain.ts), not just logged.
 */
import type { Store } from '../../store/types';

export interface Actor {
  /** User id, or null for the CLI operator / the system. */
  userId: string | null;
  /** IP address, 'cli' or 'system'. */
  origin: string;
}

export const CLI_ACTOR: Actor = { userId: null, origin: 'cli' };
export const SYSTEM_ACTOR: Actor = { userId: null, origin: 'system' };

export function recordAudit(store: Store, actor: Actor, action: string, target: string | null, details: Record<string, unknown> = {}) {
  return store.audit.append({ at: Date.now(), actorId: actor.userId, action, target, origin: actor.origin, details });
}
