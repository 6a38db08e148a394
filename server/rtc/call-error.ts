/** A refusal told to the page (the signalling socket stays open). */
export class CallError extends Error {
  /** A refusal no retry can change (the page stops rejoining): see protocol.ts `error.final`. */
  constructor(message: string, readonly final = false) {
    super(message);
  }
}
