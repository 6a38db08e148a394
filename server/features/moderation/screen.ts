/**
 * Screening before delivery (child safety): in scope, a message is classified by the shipped
 * model BEFORE anyone else can see it.
 *
 * Invariants:
 * - Scope: a room is in scope when at least one member is a minor (account facts from the store,
 *   never from message text), or always when MODERATION_SCOPE=all.
 * - A hold-level label → the message is stored held and published only to the sender's own
 *   sockets; a review-level label → delivered normally. Either way one case is opened and an
 *   audit entry written with the system as actor.
 * - The model loads lazily, once per context (the first in-scope message pays the ~ms cost).
 */
import type { ModerationScope } from '../../config';
import type { CaseSeverity, Message, ModerationCase, Room, Store } from '../../store/types';
import { isMinor } from '../accounts/model';
import { SYSTEM_ACTOR, recordAudit } from '../audit/record';
import { loadModel, type Classification } from './model';

/** What screening needs from a model; tests inject a fake to make outcomes deterministic. */
export interface Classifier {
  readonly version: string;
  classify(text: string): Classification;
}

export interface Moderation {
  scope: ModerationScope;
  /** The classifier, loaded on first use. */
  classifier(): Classifier;
}

export function createModeration(scope: ModerationScope = 'minors', load: () => Classifier = loadModel): Moderation {
  let model: Classifier | null = null;
  return { scope, classifier: () => (model ??= load()) };
}

export interface Verdict {
  severity: CaseSeverity;
  labels: string[];
  scores: Record<string, number>;
  modelVersion: string;
}

/** Whether the room has at least one member who is a minor. */
export async function roomHasMinor(store: Store, roomId: string): Promise<boolean> {
  const members = await store.rooms.members(roomId);
  const users = await Promise.all(members.map((m) => store.users.byId(m.userId)));
  return users.some((u) => u !== null && isMinor(u));
}

/** Classifies `text` when the room is in scope; null when out of scope or nothing was flagged. */
export async function screen(store: Store, moderation: Moderation | undefined, room: Room, text: string): Promise<Verdict | null> {
  if (!moderation) return null;
  if (moderation.scope !== 'all' && !(await roomHasMinor(store, room.id))) return null;
  const model = moderation.classifier();
  const c = model.classify(text);
  if (c.hold.length) return { severity: 'hold', labels: [...c.hold], scores: { ...c.scores }, modelVersion: model.version };
  if (c.review.length) return { severity: 'review', labels: [...c.review], scores: { ...c.scores }, modelVersion: model.version };
  return null;
}

/** Opens the case for a flagged message and audits it (actor: system). */
export async function openCase(store: Store, message: Message, v: Verdict): Promise<ModerationCase> {
  const c = await store.cases.create({ roomId: message.roomId, messageId: message.id, senderId: message.senderId, labels: v.labels, scores: v.scores, text: message.body, modelVersion: v.modelVersion, severity: v.severity });
  await recordAudit(store, SYSTEM_ACTOR, v.severity === 'hold' ? 'moderation.hold' : 'moderation.flag', c.id, {
    roomId: message.roomId,
    messageId: message.id,
    senderId: message.senderId,
    labels: v.labels,
    modelVersion: v.modelVersion,
  });
  return c;
}
