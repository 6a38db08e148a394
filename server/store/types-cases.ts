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
  status: CaseStatus;
  createdAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decision: CaseDecision | null;
  reason: string | null;
}

export type NewCase = Omit<ModerationCase, 'id' | 'status' | 'createdAt' | 'decidedBy' | 'decidedAt' | 'decision' | 'reason'> & { now?: number };

export interface CaseStore {
  create(c: NewCase): Promise<ModerationCase>;
  byId(id: string): Promise<ModerationCase | null>;
  /** Newest first. */
  list(filter?: { status?: CaseStatus; limit?: number }): Promise<ModerationCase[]>;
  /** Records the decision only while the case is open (one decision wins); null otherwise. */
  decide(id: string, d: { decidedBy: string; decision: CaseDecision; reason: string; now?: number }): Promise<ModerationCase | null>;
}
