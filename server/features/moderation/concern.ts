/**
 * A member is worried about the message's writer (a disclosure of abuse, self-harm): a welfare
 * referral, not an accusation. Same case machinery (one case per message, the officers told at once,
 * audited), its own label so the case page and the notice say what it is; the writer is told nothing.
 */
export const CONCERN_LABEL = 'welfare_concern';

/** A case that is nothing but a worry for its writer: no complaint, so nothing to uphold or act on (cases.ts). */
export const isConcernOnly = (c: { labels: readonly string[] }) => c.labels.length > 0 && c.labels.every((l) => l === CONCERN_LABEL);
export const CONCERN_NOT_COMPLAINT =
  "This case is a worry for the message's writer, not a complaint against them: close it, and follow the child-protection and welfare procedure for them. If the message itself breaks the rules, it needs a report as harmful first.";
