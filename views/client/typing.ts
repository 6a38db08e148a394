/**
 * "… is typing" under a room's log. The server pushes one line per typer (views/chat.ts typingLine,
 * at most every TYPING_EVERY_MS while they type); the page keeps everyone typing, not just the last
 * one pushed ("Ada and Bola are typing…"), and drops a typer as soon as their message arrives (the
 * line used to stay for six seconds after the message it announced).
 */
import { TYPING_EVERY_MS } from '../../server/features/chat/limits';

/** Longer than the pushes' interval: a typer who stops disappears after a short pause. */
const SHOWN_MS = TYPING_EVERY_MS + 2_000;

export function typingLines() {
  const rooms = new Map<string, Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>>();

  function render(roomId: string) {
    const el = document.getElementById(`typing-${roomId}`);
    if (!el) return;
    const names = [...(rooms.get(roomId)?.values() ?? [])].map((t) => t.name);
    el.textContent =
      names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…';
  }

  return {
    /** A pushed line: `typer` is its `.typer` element (data-user, data-name). */
    typing(roomId: string, typer: Element) {
      const user = typer.getAttribute('data-user');
      const name = typer.getAttribute('data-name');
      if (!user || !name) return;
      const typers = rooms.get(roomId) ?? new Map();
      rooms.set(roomId, typers);
      clearTimeout(typers.get(user)?.timer);
      typers.set(user, { name, timer: setTimeout(() => this.stopped(roomId, user), SHOWN_MS) });
      render(roomId);
    },
    /** `user` is no longer typing in the room: their message came, or they paused. */
    stopped(roomId: string, user: string) {
      const typers = rooms.get(roomId);
      if (!typers?.has(user)) return;
      clearTimeout(typers.get(user)!.timer);
      typers.delete(user);
      render(roomId);
    },
  };
}
