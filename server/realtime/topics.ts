/**
 * The only place topic names are made. Audiences:
 * - room(id): every live connection of every member of the room (messages, edits, deletes, typing).
 * - user(id): every live connection of one user (their room list, read markers, notices).
 */
export const topics = {
  room: (roomId: string) => `room:${roomId}`,
  user: (userId: string) => `user:${userId}`,
};
