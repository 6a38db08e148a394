/** Store types for pinned messages (features/chat/pins.ts; re-exported by types.ts). */

/** A message kept at hand in its room ("📌 3 pinned messages"): who pinned it, when. */
export interface Pin {
  roomId: string;
  messageId: string;
  pinnedBy: string;
  at: number;
}

export interface PinStore {
  /**
   * Pins the message: `already` when it is pinned (nothing changes), `full` when the room has `max`
   * pins. Two pins racing for the last place may both pass on MongoDB (no transaction): at most
   * one or two over, never lost.
   */
  pin(pin: Pin, max: number): Promise<'pinned' | 'already' | 'full'>;
  /** False when it was not pinned. */
  unpin(roomId: string, messageId: string): Promise<boolean>;
  /** The room's pins, newest first. */
  list(roomId: string): Promise<Pin[]>;
}
