/** `letstalk moderation export-judged`: the officers' decided cases as a training file. */
import { describe, expect, test } from 'bun:test';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseMessages } from '../server/features/moderation/model/data';
import { cliWorkspace } from './test-workspace';

const w = cliWorkspace('lt-mod-export-');

async function decidedCases() {
  await w.withStore(async (store) => {
    const room = await store.rooms.create({ id: 'r-dm', kind: 'dm', code: null, name: 'dm', topic: '', createdBy: null, dmKey: 'a|b' }, []);
    const base = { roomId: room.id, senderId: 'gone', scores: {}, modelVersion: '1.4.0+x', severity: 'review' as const, towardsMinor: true };
    const a = await store.cases.create({ ...base, messageId: 'm1', labels: ['sexual_solicitation'], text: 'abeg how far', now: Date.parse('2026-09-10T10:00:00Z') });
    const b = await store.cases.create({ ...base, messageId: 'm2', labels: ['sexual_solicitation'], text: 'send the pic now', now: Date.parse('2026-10-10T10:00:00Z') });
    await store.cases.create({ ...base, messageId: 'm3', labels: ['threat'], text: 'still open', now: Date.parse('2026-10-11T10:00:00Z') });
    await store.cases.decide(a.id, { decidedBy: 'o', decision: 'release', reason: 'a greeting', judgedLabels: [] });
    await store.cases.decide(b.id, { decidedBy: 'o', decision: 'uphold', reason: 'asks for a photo', judgedLabels: ['sexual_solicitation'] });
  });
}

describe('moderation export-judged', () => {
  test('writes the decided cases as campus JSONL (owner-only), audited; --since keeps the newer ones', async () => {
    await decidedCases();
    const out = join(w.dir, 'judged.jsonl');
    const r = await w.cli('moderation', 'export-judged', '--out', out);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe(`wrote 2 line(s) to ${out}: 1 with labels, 1 harmless\n`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const lines = parseMessages(readFileSync(out, 'utf8'), out);
    // the sender's account is gone: no role, so no context either (both or neither)
    expect(lines.map((l) => [l.text, l.labels, l.ctx])).toEqual([
      ['send the pic now', ['sexual_solicitation'], {}],
      ['abeg how far', [], {}],
    ]);
    const since = join(w.dir, 'since.jsonl');
    expect((await w.cli('moderation', 'export-judged', '--out', since, '--since', '2026-10-01')).out).toContain('wrote 1 line(s)');
    // audited with who ran it (the CLI has no account) and where the file went
    expect(await w.withStore(async (s) => (await s.audit.list({ action: 'moderation.export' })).map((e) => [e.origin, e.details.lines, e.details.file, e.details.osUser]))).toEqual([
      ['cli', 2, out, userInfo().username],
      ['cli', 1, since, userInfo().username],
    ]);
  });

  test('refuses to overwrite a file, a malformed --since, and a missing --out', async () => {
    const out = join(w.dir, 'exists.jsonl');
    writeFileSync(out, 'keep me\n');
    expect(await w.cli('moderation', 'export-judged', '--out', out)).toMatchObject({ code: 1, err: `error: ${out} exists: choose a new file\n` });
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
    // a file that cannot be written: an error, and no export on record
    expect(await w.cli('moderation', 'export-judged', '--out', join(w.dir, 'no-such-dir', 'x.jsonl'))).toMatchObject({ code: 1 });
    expect(await w.withStore((s) => s.audit.list({ action: 'moderation.export' }))).toEqual([]);
    expect(await w.cli('moderation', 'export-judged', '--out', join(w.dir, 'x.jsonl'), '--since', '10/01/2026')).toMatchObject({ code: 1, err: 'error: --since must be a real date like 2026-09-01, got "10/01/2026"\n' });
    expect(await w.cli('moderation', 'export-judged', '--out', join(w.dir, 'x.jsonl'), '--since', '2026-02-30')).toMatchObject({ code: 1, err: 'error: --since must be a real date like 2026-09-01, got "2026-02-30"\n' });
    expect((await w.cli('moderation', 'export-judged')).code).toBe(2);
  });
});
