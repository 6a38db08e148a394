/**
 * Screening before delivery (child safety): in scope, a message is classified by the shipped
 * model BEFORE anyone else can see it.
 *
 * Invariants:
 * - Scope: a room is in scope when at least one member is a minor (account facts from the store,
 *   never from message text), or always when MODERATION_SCOPE=all.
 * - A hold-level label → the message is stored held and published only to the sender's own
 *   sockets; a review-level label → delivered normally. Either way one case is opened and an
 *   audit entry written with the system as actor, and the officers are notified.
 * - Conversation level: in DMs and groups, an adult's last messages to each minor member are
 *   scored together with account facts (groomingRisk). An alert holds the message that raised
 *   it (label `grooming_risk`), even when no single message reached a hold threshold.
 * - The model loads lazily, once per context (the first in-scope message pays the ~ms cost).
 */
import type { ModerationScope } from '../../config';
import type { CaseSeverity, Message, ModerationCase, Room, Store, User } from '../../store/types';
import { adultBornBy, isMinor } from '../accounts/model';
import { SYSTEM_ACTOR, recordAudit } from '../audit/record';
import { loadModel, type AccountFacts, type Classification, type GroomingRisk, type MessageContext, type Scores } from './model';
import type { Notifier } from './notify';
import { mentionHandles, unmarkMentions } from '../../../views/format';
import { MAX_MENTIONS } from '../chat/limits';

/** What screening needs from a model; tests inject a fake to make outcomes deterministic. */
export interface Classifier {
  readonly version: string;
  /** `ctx`: where the message is sent and the sender's role, from the store (see messageContext). */
  classify(text: string, ctx?: MessageContext): Classification;
  /** Conversation-level risk over one sender's recent score vectors to one recipient (oldest first). */
  groomingRisk?(window: readonly Readonly<Partial<Scores>>[], facts: AccountFacts): GroomingRisk;
  readonly grooming?: { readonly window: number };
}

/** The automatic part of the policy (README "Safeguarding"). */
export interface ModerationPolicy {
  /** This many held messages towards minors within `restrictWindowMs` restrict the sender. */
  restrictAfter: number;
  restrictWindowMs: number;
  /** How long an affected person has to submit a statement. */
  statementMs: number;
  /** A DM or group younger than this counts as a new contact for the grooming risk. */
  newContactMs: number;
  /**
   * Review-level flags open cases (MODERATION_REVIEW_CASES, default true). False: a message that
   * reaches only a review threshold is delivered and nothing about it is kept; holds, the
   * conversation risk and restrictions work as before. For a university whose officers cannot keep
   * up with the review queue (many review-level flags are everyday messages: docs/moderation-model.md),
   * and which would rather no officer read them.
   */
  reviewCases: boolean;
}

export const DEFAULT_POLICY: ModerationPolicy = { restrictAfter: 2, restrictWindowMs: 30 * 86_400_000, statementMs: 14 * 86_400_000, newContactMs: 30 * 86_400_000, reviewCases: true };

export interface Moderation {
  scope: ModerationScope;
  policy: ModerationPolicy;
  /** The classifier, loaded on first use. */
  classifier(): Classifier;
  /** Officers' email/webhook notifications; absent = none configured. */
  notifier?: Notifier;
  /** Absolute URL of a page in the admin portal (for notifications). */
  link(path: string): string;
}

export function createModeration(
  scope: ModerationScope = 'minors',
  load: () => Classifier = loadModel,
  opts: { policy?: Partial<ModerationPolicy>; notifier?: Notifier; publicUrl?: string | null } = {},
): Moderation {
  let model: Classifier | null = null;
  const base = (opts.publicUrl ?? 'http://localhost').replace(/\/+$/, '');
  return { scope, policy: { ...DEFAULT_POLICY, ...opts.policy }, classifier: () => (model ??= load()), notifier: opts.notifier, link: (path) => base + path };
}

export interface Verdict {
  severity: CaseSeverity;
  labels: string[];
  scores: Record<string, number>;
  modelVersion: string;
  /** A member other than the sender is a minor. */
  towardsMinor: boolean;
}

/** Ids of the room's minor members (one store query, whatever the room's size). */
export const minorIds = (store: Store, roomId: string) => store.rooms.minorMembers(roomId, adultBornBy());

/** Whether the room has at least one member who is a minor (other than `except`). */
export async function roomHasMinor(store: Store, roomId: string, except?: string): Promise<boolean> {
  return (await minorIds(store, roomId)).some((id) => id !== except);
}

/**
 * The model's context for a message, from the store: a course room is `room`; a DM, and also a group,
 * is `dm`. In the training data `room` messages are almost never harmful, and anyone can create a
 * group with just one other person in it: scoring groups as rooms would let a sender lower their own
 * scores by choosing a group over a DM. Course rooms are created by administrators. The role is the
 * sender's account role (set by administrators), with administrators as `staff`.
 */
export function messageContext(room: Pick<Room, 'kind'>, sender: Pick<User, 'role'>): MessageContext {
  return { context: room.kind === 'course' ? 'room' : 'dm', senderRole: sender.role === 'admin' ? 'staff' : sender.role };
}

/**
 * The text as the model reads it: a mention of a room member (`@tolu`) is her handle alone. The
 * training data writes `@` for `a` in disguised abuse (`f@ck`, `@ss`), so "for @tolu" scored
 * explicit at hold level (QA s16: an everyday mention held in a room with a minor, and counted
 * towards an automatic restriction). Only handles that name a member of the room lose the @: a
 * `@ss` that names nobody there is read as typed. The case keeps the text as sent.
 */
export async function modelText(store: Store, roomId: string, text: string): Promise<string> {
  const handles = mentionHandles(text);
  if (!handles.length) return text;
  const members = new Set<string>();
  for (const u of await store.users.byHandles(handles.slice(0, MAX_MENTIONS))) {
    if (await store.rooms.membership(roomId, u.id)) members.add(u.emailLower.split('@')[0]!);
  }
  return members.size ? unmarkMentions(text, members) : text;
}

/** The highest grooming risk of this sender towards any minor member (DMs and groups only). */
async function conversationRisk(store: Store, model: Classifier, policy: ModerationPolicy, room: Room, sender: User, minors: User[], ctx: MessageContext, current: Classification['scores']) {
  if (!model.groomingRisk || room.kind === 'course' || isMinor(sender) || !minors.length) return null;
  const size = model.grooming?.window ?? 10;
  const recent = (await store.messages.history(room.id, { limit: size * 4, viewerId: sender.id }))
    .filter((m) => m.senderId === sender.id && m.kind === 'text' && !m.deletedAt)
    .slice(-(size - 1));
  const window = [...(await Promise.all(recent.map(async (m) => model.classify(await modelText(store, room.id, m.body), ctx).scores))), current];
  let best: GroomingRisk | null = null;
  for (const r of minors) {
    const facts: AccountFacts = {
      recipientMinor: true,
      senderAdult: true,
      sharedCourse: await store.rooms.shareRoom(sender.id, r.id, ['course']),
      newContact: Date.now() - room.createdAt < policy.newContactMs,
    };
    const risk = model.groomingRisk(window, facts);
    if (!best || risk.risk > best.risk) best = risk;
  }
  return best;
}

/**
 * File extensions dropped from a name before it is screened: the common document, archive, image,
 * audio, video and code types (those of files/names.ts's allow-list, and their usual spellings).
 * A list, not a pattern: anything else after the last dot is a word (`send_me_your.nudes`), and a
 * word is screened. Kept to real extensions that are not also chat words (no `pic`, `raw`, `ass`,
 * `text`, `key`, `pages`): an extension left in is only read as one more word, a word dropped is
 * never read at all.
 */
const FILE_EXTENSIONS = new Set([
  // documents
  'pdf', 'doc', 'docx', 'dotx', 'ppt', 'pptx', 'pps', 'ppsx', 'xls', 'xlsx', 'xlsm', 'odt', 'ods', 'odp', 'rtf', 'epub',
  'docm', 'pptm', 'odg', 'xps', 'mobi', 'djvu', 'txt', 'csv', 'tsv', 'md', 'json', 'xml', 'html', 'htm', 'tex', 'bib', 'srt', 'vtt',
  // archives (and `.tar.gz`: each known extension at the end goes)
  'zip', 'rar', '7z', 'tar', 'gz', 'tgz', 'bz2', 'xz',
  // images
  'png', 'jpg', 'jpeg', 'jpe', 'jfif', 'gif', 'webp', 'avif', 'bmp', 'heic', 'heif', 'tif', 'tiff', 'svg', 'psd', 'ai', 'eps',
  // audio and video
  'mp3', 'ogg', 'oga', 'opus', 'wav', 'weba', 'webm', 'm4a', 'aac', 'flac', 'amr', 'aif', 'aiff', 'mp4', 'm4v', 'mov', 'mkv', 'avi', 'wmv', 'flv', 'mpg', 'mpeg', '3gp', '3gpp',
  // code and data students hand in
  'py', 'ipynb', 'c', 'h', 'cpp', 'cc', 'hpp', 'java', 'js', 'ts', 'css', 'sh', 'sql',
  // programs and disk images
  'exe', 'msi', 'apk', 'dmg', 'iso',
]);

/**
 * A file's name as the words it says, for screening: "send_me-your.NUDES.jpg" → "send me your NUDES".
 * Known file extensions at the end are dropped (`report.final.docx` → "report final", `data.tar.gz`
 * → "data"): they are not part of what is said. Any other last part is a word like the rest
 * (`send_me_your.nudes` → "send me your nudes"). Separators become spaces.
 */
export function fileNameText(name: string): string {
  let base = name.trim();
  for (let dot = base.lastIndexOf('.'); dot > 0 && FILE_EXTENSIONS.has(base.slice(dot + 1).toLowerCase()); dot = base.lastIndexOf('.')) {
    base = base.slice(0, dot);
  }
  return base
    .replace(/[_\-.+~()[\]{}]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Classifies `text` when the room is in scope; null when out of scope or nothing was flagged. */
export async function screen(store: Store, moderation: Moderation | undefined, room: Room, sender: User, text: string): Promise<Verdict | null> {
  return (await screenScoped(store, moderation, room, sender, text)).verdict;
}

/** `screen`, also saying whether the room was in scope (out of scope: nothing was classified). */
export async function screenScoped(store: Store, moderation: Moderation | undefined, room: Room, sender: User, text: string): Promise<{ verdict: Verdict | null; scoped: boolean }> {
  const verdict = (v: Verdict | null) => ({ verdict: v, scoped: true });
  if (!moderation) return { verdict: null, scoped: false };
  const ids = await minorIds(store, room.id);
  if (moderation.scope !== 'all' && !ids.length) return { verdict: null, scoped: false };
  const others = ids.filter((id) => id !== sender.id);
  // Only the minors are loaded (for the conversation risk), never the whole room.
  const minors = room.kind === 'course' ? [] : (await Promise.all(others.map((id) => store.users.byId(id)))).filter((u): u is User => u !== null);
  const model = moderation.classifier();
  const ctx = messageContext(room, sender);
  const c = model.classify(await modelText(store, room.id, text), ctx);
  const towardsMinor = others.length > 0;
  const base = { scores: { ...c.scores } as Record<string, number>, modelVersion: model.version, towardsMinor };
  const risk = await conversationRisk(store, model, moderation.policy, room, sender, minors, ctx, c.scores);
  if (risk) base.scores.grooming_risk = risk.risk;
  if (risk?.alert) return verdict({ ...base, severity: 'hold', labels: [...new Set([...c.hold, 'grooming_risk'])] });
  if (c.hold.length) return verdict({ ...base, severity: 'hold', labels: [...c.hold] });
  if (c.review.length && moderation.policy.reviewCases) return verdict({ ...base, severity: 'review', labels: [...c.review] });
  return verdict(null);
}

/**
 * Opens the case for a flagged message, audits it (actor: system) and notifies the officers.
 * `found`: when it was screened — as it was sent, or in the room's history when a minor joined
 * (screen-history.ts, which sends one notice for all it held: not one email per message).
 */
export async function openCase(store: Store, moderation: Moderation | undefined, message: Message, v: Verdict, found: 'send' | 'history' = 'send'): Promise<ModerationCase> {
  const c = await store.cases.create({ roomId: message.roomId, messageId: message.id, senderId: message.senderId, labels: v.labels, scores: v.scores, text: message.body, modelVersion: v.modelVersion, severity: v.severity, towardsMinor: v.towardsMinor });
  await recordAudit(store, SYSTEM_ACTOR, v.severity === 'hold' ? 'moderation.hold' : 'moderation.flag', c.id, {
    roomId: message.roomId,
    messageId: message.id,
    senderId: message.senderId,
    labels: v.labels,
    modelVersion: v.modelVersion,
    ...(found === 'history' ? { found: 'history' } : {}),
  });
  // Officers are emailed about held messages only: review-level flags are recall-oriented (many are
  // benign) and wait in the queue, so that the mail that does arrive is worth acting on at once.
  if (v.severity === 'hold' && found === 'send') {
    void moderation?.notifier?.notify({
      caseId: c.id,
      kind: 'hold',
      severity: 'high',
      labels: v.labels,
      summary: `A message was held before delivery${v.towardsMinor ? ' in a conversation with a student under 18' : ''}.`,
      url: moderation.link(`/admin/moderation/cases/${c.id}`),
      at: c.createdAt,
    });
  }
  return c;
}
