/**
 * Call actions between the web app and the SFU: who may join a room's call (membership from the
 * store, identity from the session), who hosts a lecture, and the call-bar pushes that tell every
 * member a call started, changed size or ended.
 */
import { notFound } from '../../errors';
import type { Hub } from '../../realtime/hub';
import { topics } from '../../realtime/topics';
import type { Store, User } from '../../store/types';
import { isLectureHost } from '../../rtc/permissions';
import { roomOfMember } from '../chat/member-room';
import type { CallState, Sfu } from '../../rtc/sfu';
import { callStatus, callStatusId, type CallBarState } from '../../../views/calls';
import { partial } from '../../../views/partials';
import { roomCallBadge, roomCallBadgeId } from '../../../views/chat';

export interface CallSeat {
  roomId: string;
  archived: boolean;
  /** A course room: its lectures keep a register (attendance). */
  course: boolean;
  /** Lecturers, administrators and the room's owners start lectures and host them. */
  host: boolean;
}

/** The room (as seen by a member) or 404: non-members learn nothing, not even that it exists. */
export async function callSeat(store: Store, user: User, roomId: string): Promise<CallSeat> {
  if (user.status !== 'active') throw notFound('No such room.');
  const { room, membership } = await roomOfMember(store, user.id, roomId);
  return { roomId: room.id, archived: room.archived, course: room.kind === 'course', host: isLectureHost(user.role, membership.role) };
}

export function barState(s: CallState | null): CallBarState {
  return s ? { active: true, mode: s.mode, participants: s.participants, recording: s.recording } : { active: false, mode: null, participants: 0, recording: false };
}

/** Pushes each call-state change to the room's members (their call bars). */
export function pushCallStates(sfu: Sfu, hub: Hub) {
  sfu.onChange = (roomId, state) => {
    // The room's call bar (on its page) and its entry in every member's room list.
    hub.publish(topics.room(roomId), partial(callStatusId(roomId), 'outerHTML', callStatus(roomId, barState(state))).value + partial(roomCallBadgeId(roomId), 'outerHTML', roomCallBadge(roomId, state !== null)).value);
  };
}
