/**
 * The reactions a message can have: a fixed, small set (a "👍" says "seen, thanks" without a message
 * that notifies 300 classmates, and nothing typed can ride on one). Shared by the server (what a
 * frame may ask for, the order chips are shown in) and the page (the React menu).
 */
export const REACTIONS = [
  { emoji: '👍', name: 'Thumbs up' },
  { emoji: '❤️', name: 'Heart' },
  { emoji: '😂', name: 'Laughing' },
  { emoji: '😮', name: 'Surprised' },
  { emoji: '😢', name: 'Sad' },
  { emoji: '🙏', name: 'Thank you' },
] as const;

export type Reaction = (typeof REACTIONS)[number]['emoji'];

export const isReaction = (s: string): s is Reaction => REACTIONS.some((r) => r.emoji === s);
export const reactionName = (emoji: string) => REACTIONS.find((r) => r.emoji === emoji)?.name ?? emoji;
