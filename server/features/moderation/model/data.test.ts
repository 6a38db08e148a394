import { describe, expect, test } from 'bun:test';
import { parseConversations, parseMessages, readNotes } from './data';
import { evaluateConversations, evaluateMessages, thresholdJudge } from './evaluate';
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
    evaluateMessages(msgs, thresholdJudge(scorer, LABELS.map(() => 0.5)));
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

describe('reading leniently (moderation eval) and strictly (training)', () => {
  const lines = (...rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');

  test('lang is trimmed and lower-cased; missing or blank is "unknown"', () => {
    const msgs = parseMessages(lines({ text: 'a', lang: ' EN ' }, { text: 'b', lang: 'Yo-En' }, { text: 'c', lang: ' ' }, { text: 'd' }), 'm.jsonl');
    expect(msgs.map((m) => m.lang)).toEqual(['en', 'yo-en', 'unknown', 'unknown']);
  });

  test('labels null is benign, like missing labels', () => {
    expect(parseMessages(lines({ text: 'a', labels: null }), 'm.jsonl')[0]!.labels).toEqual([]);
  });

  test('unknown labels: strictly an error; leniently counted per name and ignored, a line with nothing else left out', () => {
    const text = lines({ text: 'a', labels: ['threat', 'spam'] }, { text: 'b', labels: ['spam', 'spam'] }, { text: 'c', labels: ['threat'] });
    expect(() => parseMessages(text, 'm.jsonl')).toThrow('m.jsonl:1: unknown label "spam"');
    const notes = readNotes();
    const msgs = parseMessages(text, 'm.jsonl', notes);
    expect(msgs.map((m) => [m.line, m.labels])).toEqual([[1, ['threat']], [3, ['threat']]]);
    expect([...notes.unknownLabels]).toEqual([['spam', 2]]);
    expect(notes.leftOut).toEqual([2]);
    // not an array is still malformed
    expect(() => parseMessages(lines({ text: 'a', labels: 'threat' }), 'm.jsonl', readNotes())).toThrow('"labels" must be an array');
  });

  test('conversations: turn labels read strictly for training, not read leniently; unreadable facts noted by line', () => {
    const conv = { grooming_risk: true, participants: [{ speaker: 'A', age: 40 }, { speaker: 'B' }], turns: [{ speaker: 'A', text: 'hi', labels: ['grooming_signal', 'spam'] }] };
    expect(() => parseConversations(lines(conv), 'c.jsonl')).toThrow('unknown label "spam"');
    const notes = readNotes();
    const [c] = parseConversations(lines(conv), 'c.jsonl', notes);
    expect(c!.turns[0]!.labels).toEqual([]);
    expect(notes.unknownLabels.size).toBe(0);
    expect(notes.facts).toEqual([{ line: 1, problems: ['participant "B" has no "minor" (true or false) or "age" (a number): taken as not a minor'] }]);
  });
});
