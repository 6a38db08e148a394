/** Store types for moderation cases (re-exported by types.ts). */
// ---------------------------------------------------------------------------------------------
// Safeguarding: moderation cases opened by the automated classifier (features/moderation).
// A case points at one message; officers decide it once (status open → decided). Later work
// (notifications, restrictions, hearings, appeals) hangs off the case id.
// ---------------------------------------------------------------------------------------------

export type CaseSeverity = 'hold' | 'review';
export type CaseStatus = 'open' | 'decided';
export type CaseDecision = 'release' | 'uphold';

export interface ModerationCase {
  id: string;
  roomId: string;
  messageId: string;
  senderId: string;
  /** Labels at or above their threshold for `severity`, in label order. */
  labels: string[];
  scores: Record<string, number>;
  /**
   * The text exactly as classified: evidence that survives a later edit or delete of the message
   * (the sender can still edit or delete a held message).
   */
  text: string;
  modelVersion: string;
  severity: CaseSeverity;
  /** A member other than the sender was a minor when the message was sent (drives automatic restriction). */
  towardsMinor: boolean;
  status: CaseStatus;
  createdAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decision: CaseDecision | null;
  reason: string | null;
  /**
   * The labels the deciding officer judged the message to carry ([] = benign), or null when they
   * were not asked (a block decided the case, or it was decided before officers were asked).
   * Training data for the next model (features/moderation/judged.ts), never shown to the sender.
   */
  judgedLabels: string[] | null;
}

export type NewCase = Omit<ModerationCase, 'id' | 'status' | 'createdAt' | 'decidedBy' | 'decidedAt' | 'decision' | 'reason' | 'judgedLabels'> & { now?: number };

export interface CaseDecisionInput {
  decidedBy: string;
  decision: CaseDecision;
  reason: string;
  /** ModerationCase.judgedLabels; absent = null. */
  judgedLabels?: string[] | null;
  now?: number;
}

export interface CaseFilter {
  status?: CaseStatus;
  severity?: CaseSeverity;
  senderId?: string;
  messageId?: string;
  /** Cases carrying this label (e.g. the welfare concerns officers must not miss). */
  label?: string;
  since?: number;
  limit?: number;
  /** Oldest first (the queue of held messages: the longest waiting must not fall off the page). */
  oldestFirst?: boolean;
}

export interface CaseStore {
  create(c: NewCase): Promise<ModerationCase>;
  byId(id: string): Promise<ModerationCase | null>;
  /** Newest first (or oldest first). */
  list(filter?: CaseFilter): Promise<ModerationCase[]>;
  /** How many cases match (the filter without `limit`/`oldestFirst`). */
  count(filter?: CaseFilter): Promise<number>;
  /** Adds `label` to an open case's labels; true if it was not there yet (false: already, or not open). */
  addLabel(id: string, label: string): Promise<boolean>;
  /** Hold-level cases towards minors opened for this sender since `since` (ms), except those released (judged benign). */
  countHolds(senderId: string, since: number): Promise<number>;
  /** Records the decision only while the case is open (one decision wins); null otherwise. */
  decide(id: string, d: CaseDecisionInput): Promise<ModerationCase | null>;
}

// ---------------------------------------------------------------------------------------------
// Sanctions: what the safeguarding process did to an account or a room, each with its own fair
// hearing (notice → statement → decision by a different reviewer). See features/moderation/hearing.ts
// for the transitions; the store only applies them atomically (compare-and-set on status).
// ---------------------------------------------------------------------------------------------

/**
 * - restriction: automatic, after repeated held messages towards minors: cannot post where a minor is.
 * - block: by an officer: the account can sign in and read, but not post anywhere.
 * - freeze: by an officer: the room is read-only for everyone; its owners get the hearing.
 * - removal: an officer upheld a flagged message: it stays hidden from everyone but its sender.
 */
export type SanctionKind = 'restriction' | 'block' | 'freeze' | 'removal';
/** active → appealed → upheld | overturned; active/upheld → lifted (an officer ends it early). */
export type SanctionStatus = 'active' | 'appealed' | 'upheld' | 'overturned' | 'lifted';

export interface Sanction {
  id: string;
  kind: SanctionKind;
  /** The affected account; null for a room freeze (the room's owners are the affected party). */
  userId: string | null;
  /** The frozen room (freeze), or the room the evidence came from. */
  roomId: string | null;
  /** The cases whose messages are the evidence (and are restored if the sanction is overturned). */
  caseIds: string[];
  /** Policy clause id (features/moderation/policy-clauses.ts). */
  clause: string;
  /** Shown to the affected party. */
  reason: string;
  /** Evidence excerpt shown to the affected party (their own words, or the room's flagged message). */
  evidence: string;
  /** Who acted; null = the automated pipeline. */
  actorId: string | null;
  createdAt: number;
  /** Statements are accepted until then. */
  deadline: number;
  statement: string | null;
  statementBy: string | null;
  statementAt: number | null;
  status: SanctionStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionReason: string | null;
}

export type NewSanction = Pick<Sanction, 'kind' | 'userId' | 'roomId' | 'caseIds' | 'clause' | 'reason' | 'evidence' | 'actorId' | 'deadline'> & { now?: number };
export type SanctionPatch = Partial<Pick<Sanction, 'status' | 'statement' | 'statementBy' | 'statementAt' | 'decidedBy' | 'decidedAt' | 'decisionReason'>>;

export interface SanctionFilter {
  status?: SanctionStatus[];
  kind?: SanctionKind[];
  userId?: string;
  roomId?: string;
  /** Any of these rooms (an empty list matches nothing). */
  roomIds?: string[];
  limit?: number;
}

/** While a sanction has one of these statuses it applies (and holds its slot, below). */
export const SANCTION_IN_FORCE: readonly SanctionStatus[] = ['active', 'appealed', 'upheld'];

/**
 * The slot a sanction holds while in force: one block and one restriction per account, one freeze
 * per room (removals are per message: no slot). The store makes slots unique, so two servers
 * acting on the same account at once cannot both create one: the second gets DuplicateSanctionError.
 */
export function sanctionSlot(s: Pick<Sanction, 'kind' | 'userId' | 'roomId'>): string | null {
  if (s.kind === 'removal') return null;
  return s.kind === 'freeze' ? `freeze:${s.roomId}` : `${s.kind}:${s.userId}`;
}

export class DuplicateSanctionError extends Error {
  override name = 'DuplicateSanctionError';
  constructor(readonly slot: string) {
    super(`a sanction is already in force: ${slot}`);
  }
}

export interface SanctionStore {
  /** Throws DuplicateSanctionError (and writes nothing) when its slot is held by a sanction in force. */
  create(s: NewSanction): Promise<Sanction>;
  byId(id: string): Promise<Sanction | null>;
  /** Newest first. */
  list(filter?: SanctionFilter): Promise<Sanction[]>;
  /**
   * Applies `patch` only while the status is one of `from` (one transition wins); null otherwise.
   * A status that is not in force frees the sanction's slot.
   */
  transition(id: string, from: SanctionStatus[], patch: SanctionPatch): Promise<Sanction | null>;
}
