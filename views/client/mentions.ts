/** Whether a message on the page mentions this person: by her handle, or through @class (server/store/types-chat.ts). */
import { mentionsUser } from '../../server/store/types-chat';

export const mentionsMe = (art: HTMLElement, me: string) => mentionsUser((art.dataset.mentions ?? '').split(' '), me);
