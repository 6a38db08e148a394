/**
 * Editing a message in place. At most one box per message: a box already open (Edit pressed
 * again, or a refusal of an earlier save arriving while the author edits again) stays, with what
 * is typed in it. Edits have no outbox: a saved text is kept until the server answers, so that a
 * refusal (`reject-edit`: rate limit, a block, an archived room…) puts it back in the box with the
 * reason instead of losing it; the edited message coming back (a newer rev) forgets it.
 */
import { showLength, tooLong } from './length';
import { MAX_MESSAGE_CHARS } from '../../server/features/chat/limits';

type Send = (frame: Record<string, unknown>) => boolean;
type Button = (label: string, action: string) => HTMLButtonElement;

export function editBoxes(send: Send, button: Button) {
  /** Edits sent and not yet answered, by message id: their text. */
  const pending = new Map<string, string>();

  /** Why the box's text was not saved, at its top: one reason shown, the latest replacing an earlier one. */
  function say(form: HTMLFormElement, error: string) {
    form.querySelector('.alert')?.remove();
    const p = document.createElement('p');
    p.className = 'alert';
    p.setAttribute('role', 'alert');
    p.textContent = `Not saved: ${error}`;
    form.prepend(p);
  }

  /**
   * The whole box in sight, Save and Cancel included: focus scrolls only the text box into view, and
   * on the newest message the buttons were left below the visible part of the list (QA, a phone).
   */
  function inView(form: HTMLFormElement) {
    form.scrollIntoView({ block: 'nearest' });
  }

  function open(art: HTMLElement, room: string, text: string, error?: string) {
    const current = art.querySelector<HTMLFormElement>('.edit-form');
    if (current) {
      if (error) say(current, error);
      current.querySelector('textarea')?.focus();
      inView(current);
      return;
    }
    const form = document.createElement('form');
    form.className = 'edit-form';
    if (error) say(form, error);
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.dataset.maxChars = String(MAX_MESSAGE_CHARS);
    ta.setAttribute('aria-label', 'Edit message');
    const save = button('Save', 'noop');
    save.type = 'submit';
    const cancel = button('Cancel', 'noop');
    form.append(ta, save, cancel);
    const body = art.querySelector('.body');
    if (!body) return;
    body.replaceWith(form);
    ta.focus();
    inView(form);
    // Closing the box gives the focus back to Edit: else a keyboard user is left on the page's body.
    const close = () => {
      const had = form.contains(document.activeElement);
      form.replaceWith(body);
      if (had) art.querySelector<HTMLElement>('button[data-action="edit"]')?.focus();
    };
    cancel.addEventListener('click', close);
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !ev.isComposing) {
        ev.preventDefault();
        close();
      }
    });
    showLength(ta);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const long = tooLong(ta.value);
      if (long) return say(form, long);
      if (!ta.value.trim()) return;
      if (send({ type: 'edit', room, message: art.id.slice(2), body: ta.value })) {
        pending.set(art.id.slice(2), ta.value);
        close();
      } else {
        // Edits have no outbox: the box stays open with the text, and says why nothing happened.
        say(form, 'there is no connection. Save again when it is back.');
      }
    });
  }

  return {
    open,
    isOpen: (art: HTMLElement) => art.querySelector('.edit-form') !== null,
    /** The message came back newer (the edit, or someone else's change): nothing to put back. */
    answered: (id: string) => void pending.delete(id),
    /** The edit of `art` was refused: its text goes back in the box with the reason. */
    refused(art: HTMLElement, room: string, reason: string) {
      const id = art.id.slice(2);
      const text = pending.get(id);
      pending.delete(id);
      if (text !== undefined) open(art, room, text, reason);
    },
  };
}
