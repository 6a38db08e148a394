/**
 * Who may do what in a call. Pure rules; the Call applies them to every signalling message and to
 * every incoming track (a track that arrives without permission is never forwarded).
 *
 * - Group call: every participant publishes mic, camera and screen.
 * - Lecture: hosts (lecturers, administrators and the room's owners who are in the call) publish
 *   anything and moderate; other participants receive only, with no video by default, until a
 *   host grants them the microphone (audio only; revocable).
 */
import type { ViewMode } from './control';

export type CallMode = 'group' | 'lecture';
export type Source = 'mic' | 'cam' | 'screen';
export type UserRole = 'student' | 'lecturer' | 'admin' | string;
export type RoomRole = 'owner' | 'moderator' | 'member' | string;

export interface Seat {
  host: boolean;
  micGranted: boolean;
}

/** Starting a lecture (and being its host) is for lecturers, administrators and room owners. */
export function isLectureHost(userRole: UserRole, roomRole: RoomRole): boolean {
  return userRole === 'lecturer' || userRole === 'admin' || roomRole === 'owner';
}

export function canPublish(mode: CallMode, seat: Seat, source: Source): boolean {
  if (mode === 'group' || seat.host) return true;
  return source === 'mic' && seat.micGranted;
}

/** Any publishing at all (a receive-only participant has no publishing connection). */
export function canPublishAnything(mode: CallMode, seat: Seat): boolean {
  return canPublish(mode, seat, 'mic');
}

export function canModerate(mode: CallMode, seat: Seat): boolean {
  return mode === 'lecture' && seat.host;
}

/** Raising a hand means something only to a lecture's hosts. */
export function canRaiseHand(mode: CallMode, seat: Seat): boolean {
  return mode === 'lecture' && !seat.host;
}

export function defaultView(mode: CallMode, seat: Seat): ViewMode {
  return mode === 'lecture' && !seat.host ? 'audio-only' : 'auto';
}
