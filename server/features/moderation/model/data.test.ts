import { describe, expect, test } from 'bun:test';
import { parseConversations, parseMessages } from './data';
import { evaluateConversations, evaluateMessages } from './evaluate';
import type { MessageContext } from './features';
import { LABELS } from './labels';

describe('context fields', () => {
  const msgs = parseMessages(
    [
      JSON.stringify({ text: 'see me after class', labels: [], context: 'dm', sender_role: 'lecturer' }),
      JSON.stringify({ text: 'no context here', labels: [] }),
      JSON.stringify({ text: 'odd types', labels: [], context: 7, sender_role: '' }),
    ].join('\n'),
    'm.jsonl',
  );
  const convs = parseConversations(
    JSON.stringify({
      grooming_risk: false,
      context: 'room',
      participants: [{ speaker: 'A', role: 'staff' }, { speaker: 'B', role: 'student' }],
      turns: [{ speaker: 'A', text: 'hello', sender_role: 'lecturer' }, { speaker: 'B', text: 'hi' }],
    }),
    'c.jsonl',
  );

  test('messages keep `context` and `sender_role` when they are strings; conversations take the turn role, else the speaker’s', () => {
    expect(msgs.map((m) => m.ctx)).toEqual([{ context: 'dm', senderRole: 'lecturer' }, {}, {}]);
    expect(convs[0]!.turns.map((t) => t.ctx)).toEqual([
      { context: 'room', senderRole: 'lecturer' },
      { context: 'room', senderRole: 'student' },
    ]);
  });

  test('evaluation scores every message and turn with its context', () => {
    const seen: [string, MessageContext | undefined][] = [];
    const scorer = (t: string, ctx?: MessageContext) => (seen.push([t, ctx]), LABELS.map(() => 0));
    evaluateMessages(msgs, scorer, LABELS.map(() => 0.5));
    evaluateConversations(convs, scorer, { window: 10, topK: 1, labelWeights: { grooming_signal: 1 }, base: 0, recipientMinor: 0, minorAndAdult: 0, noSharedCourse: 0, newContact: 0, threshold: 0.5 });
    expect(seen).toEqual([
      ['see me after class', { context: 'dm', senderRole: 'lecturer' }],
      ['no context here', {}],
      ['odd types', {}],
      ['hello', { context: 'room', senderRole: 'lecturer' }],
      ['hi', { context: 'room', senderRole: 'student' }],
    ]);
  });
});
