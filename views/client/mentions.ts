/** What a message on the page is to this person: new from someone else, and whether it mentions her. */
import { mentionsUser } from '../../server/store/types-chat';

/** Whether someone else's message mentions her: by her handle, or through @class (server/store/types-chat.ts). */
export const mentionsMe = (art: HTMLElement, me: string) => art.dataset.sender !== me && mentionsUser((art.dataset.mentions ?? '').split(' '), me);

/** Whether it calls her only through @class (not by her handle). */
export const onlyClassCall = (art: HTMLElement, me: string) => !(art.dataset.mentions ?? '').split(' ').includes(me);

/** A new message from someone else: its first revision (an edit or a delete gives it a newer rev than its seq). */
export const newFromOther = (art: HTMLElement, me: string) => art.dataset.sender !== me && art.dataset.rev === art.dataset.seq;
