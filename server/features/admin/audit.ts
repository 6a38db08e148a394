/**
 * Reading the audit log: whole-chain verification (paged, so any size fits in memory), filtered
 * listing newest first, names for the ids in it, and CSV export. Shared by the portal and
 * `letstalk audit verify`.
 */
import { GENESIS_HASH, verifyChain, type ChainCheck } from '../../store/audit-chain';
import type { AuditEvent, AuditFilter, Store } from '../../store/types';
import { csvRow } from '../../lib/csv';
import { recordAudit, type Actor } from '../audit/record';
import { normaliseCourseCode } from '../chat/rooms';

const BATCH = 1000;

export type Verification = ChainCheck & { lastSeq: number };

/** Lets other requests run between batches: SQLite reads are synchronous, and a million entries take seconds. */
const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

/** Where a verification got to: every entry up to `seq` checked and linked (`hash` its hash). */
export interface Verified {
  seq: number;
  hash: string;
  count: number;
}

/**
 * Verifies the chain, BATCH at a time, from the start or from a point already verified (`from`:
 * the portal keeps one, so a page view checks only the entries added since, not a million every
 * time; the CLI's `audit verify` always starts at seq 1). `count` = entries checked up to the
 * break, `from`'s included. An entry edited after it was verified is found by the next check from
 * the start (AuditChecker re-checks everything hourly).
 */
export async function verifyAudit(store: Store, from?: Verified): Promise<Verification & { reached: Verified }> {
  let prev = { seq: from?.seq ?? 0, hash: from?.hash ?? GENESIS_HASH };
  let count = from?.count ?? 0;
  const reached = () => ({ seq: prev.seq, hash: prev.hash, count });
  for (;;) {
    let page: AuditEvent[];
    try {
      page = await store.audit.list({ afterSeq: prev.seq, limit: BATCH });
    } catch (e) {
      // e.g. details that are no longer valid JSON: the entry was edited by hand.
      return { ok: false, count, brokenAt: prev.seq + 1, reason: `entries after ${prev.seq} cannot be read (${(e as Error).message})`, lastSeq: prev.seq + 1, reached: reached() };
    }
    if (!page.length) return { ok: true, count, lastSeq: prev.seq, reached: reached() };
    const r = verifyChain(page, prev);
    if (!r.ok) return { ...r, count: count + r.count, lastSeq: r.brokenAt, reached: reached() };
    count += r.count;
    const last = page[page.length - 1]!;
    prev = { seq: last.seq, hash: last.hash };
    await yieldTurn();
  }
}

/** Re-checks the whole chain from the start at most this often; in between, only what was added. */
const FULL_CHECK_MS = 60 * 60_000;

/**
 * The portal's tamper check. The audit log page checks the whole chain on each view (`full`: an
 * administrator looking at the log sees an entry edited a minute ago); the status page, which
 * refreshes itself every few seconds, checks only the entries added since the last check, and the
 * whole chain hourly. Either way the server answers other requests meanwhile (verifyAudit yields)
 * and checks at the same moment share one run; a broken chain stays reported until repaired.
 */
export class AuditChecker {
  private verified: Verified | undefined;
  private fullAt = 0;
  private running: { full: boolean; v: Promise<Verification> } | null = null;
  constructor(private store: Store, private now: () => number = Date.now) {}

  check(full = false): Promise<Verification> {
    if (!this.running || (full && !this.running.full)) {
      const whole = full || !this.verified || this.now() - this.fullAt > FULL_CHECK_MS;
      const v = this.run(whole).finally(() => this.running?.v === v && (this.running = null));
      this.running = { full: whole, v };
    }
    return this.running.v;
  }

  private async run(full: boolean): Promise<Verification> {
    const v = await verifyAudit(this.store, full ? undefined : this.verified);
    if (full) this.fullAt = this.now();
    // A broken chain is checked from the start next time (it stays broken until repaired).
    this.verified = v.ok ? v.reached : undefined;
    if (!v.ok) this.fullAt = 0;
    return v;
  }
}

export function describeVerification(v: Verification): string {
  return v.ok ? `audit chain OK: ${v.count} entries` : `audit chain BROKEN at entry ${v.brokenAt}: ${v.reason}`;
}

export interface AuditQuery {
  action?: string;
  /** Email of who acted. */
  actor?: string;
  /** A user's email, a course code, or an id. */
  target?: string;
  /** YYYY-MM-DD, inclusive, in the configured time zone. */
  from?: string;
  to?: string;
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms. */
function zoneOffset(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(ms / 1000) * 1000;
}

/** Midnight at the start of `date` (YYYY-MM-DD) in `timeZone`, or null if it is not a date. */
export function startOfDay(date: string, timeZone: string, plusDays = 0): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return null;
  // A real day: 2026-02-30 must not roll over into March.
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== m.slice(1, 4).join('-')) return null;
  const guess = day.getTime() + plusDays * 86_400_000;
  return guess - zoneOffset(guess - zoneOffset(guess, timeZone), timeZone);
}

/** Turns what the admin typed into a store filter; `none` = nothing can match (unknown actor). */
export async function toFilter(store: Store, q: AuditQuery, timeZone: string): Promise<{ filter: AuditFilter; none: boolean; problems: string[] }> {
  const filter: AuditFilter = {};
  const problems: string[] = [];
  let none = false;
  // Actions are lower-case dotted names: `User.Suspend` finds `user.suspend` (it found nothing, silently).
  if (q.action?.trim()) filter.action = q.action.trim().toLowerCase();
  if (q.actor?.trim()) {
    const u = await store.users.byEmail(q.actor.trim());
    if (u) filter.actorId = u.id;
    else (none = true), problems.push(`No user with email ${q.actor.trim()}.`);
  }
  if (q.target?.trim()) {
    const t = q.target.trim();
    const u = t.includes('@') ? await store.users.byEmail(t) : null;
    // A course code names every room that had it: last session's archived HED204 and this one's.
    const code = normaliseCourseCode(t);
    const rooms = u ? [] : (await store.rooms.listCourses({ includeArchived: true })).filter((r) => r.code === code);
    filter.target = u ? u.id : rooms.length ? rooms.map((r) => r.id) : t;
  }
  for (const [key, plus] of [['from', 0], ['to', 1]] as const) {
    const raw = q[key]?.trim();
    if (!raw) continue;
    const ms = startOfDay(raw, timeZone, plus);
    if (ms === null) problems.push(`The ${key === 'from' ? 'start' : 'end'} date must be written YYYY-MM-DD.`);
    else if (key === 'from') filter.since = ms;
    else filter.until = ms;
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) problems.push('The start date is after the end date: nothing can match.');
  return { filter, none, problems };
}

/** Every matching entry, BATCH at a time, in seq order (other requests run between batches). */
export async function* scanAudit(store: Store, filter: AuditFilter): AsyncGenerator<AuditEvent[]> {
  let afterSeq = 0;
  for (;;) {
    const page = await store.audit.list({ ...filter, afterSeq, limit: BATCH });
    if (!page.length) return;
    yield page;
    afterSeq = page[page.length - 1]!.seq;
    if (page.length < BATCH) return;
    await yieldTurn();
  }
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEvent[];
  total: number;
  /** `before` values for the neighbouring pages (null = none; 0 for "newer" = the latest page). */
  older: number | null;
  newer: number | null;
}

/**
 * A page of matching entries with seq < before (the latest when omitted), newest first. Three
 * bounded queries (the page and one more, the next newer page and one more, the count): it used to
 * read every matching entry's number on each view, seconds with a million entries.
 */
export async function auditPage(store: Store, filter: AuditFilter, before: number | undefined, size: number): Promise<AuditPage> {
  const [page, total] = await Promise.all([store.audit.list({ ...filter, beforeSeq: before, newestFirst: true, limit: size + 1 }), store.audit.count(filter)]);
  const entries = page.slice(0, size);
  // Newer: the `size` entries just above this page; its bound is the entry after them (0: the latest page).
  const newerOnes = entries.length && before !== undefined ? await store.audit.list({ ...filter, afterSeq: entries[0]!.seq, limit: size + 1 }) : [];
  return {
    entries,
    total,
    older: page.length > size ? entries[entries.length - 1]!.seq : null,
    // An empty page from an old link (`before` at or below the oldest match): back to the latest.
    newer: newerOnes.length ? (newerOnes.length > size ? newerOnes[size]!.seq : 0) : before !== undefined && !entries.length && total ? 0 : null,
  };
}

/** Display names for the user and room ids in some entries. */
export async function namesFor(store: Store, entries: AuditEvent[]): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const e of entries) {
    if (e.actorId) ids.add(e.actorId);
    if (e.target) ids.add(e.target);
  }
  const names = new Map<string, string>();
  await Promise.all(
    [...ids].map(async (id) => {
      const u = await store.users.byId(id);
      if (u) return void names.set(id, u.email);
      const r = await store.rooms.byId(id);
      if (r) names.set(id, r.code ?? r.name);
    }),
  );
  return names;
}

export const AUDIT_CSV_COLUMNS = ['seq', 'at', 'actor_id', 'actor', 'action', 'target', 'target_name', 'origin', 'details', 'hash'];

/**
 * The matching entries as CSV (formula-safe cells), oldest first, BATCH entries per chunk: a
 * stream, not one string (a million entries made a 291 MB string and held the server for seconds).
 */
export async function* auditCsvChunks(store: Store, filter: AuditFilter): AsyncGenerator<string> {
  yield csvRow(AUDIT_CSV_COLUMNS);
  for await (const page of scanAudit(store, filter)) {
    const names = await namesFor(store, page);
    let csv = '';
    for (const e of page) {
      csv += csvRow([
        String(e.seq),
        new Date(e.at).toISOString(),
        e.actorId ?? '',
        e.actorId ? (names.get(e.actorId) ?? '') : (e.origin ?? ''),
        e.action,
        e.target ?? '',
        e.target ? (names.get(e.target) ?? '') : '',
        e.origin ?? '',
        JSON.stringify(e.details),
        e.hash,
      ]);
    }
    yield csv;
  }
}

/**
 * An export of the entries matching `q` (the portal's Export CSV, `audit export` in the CLI): the
 * log as it stands now, so the file holds exactly the entries counted in its own `audit.export`
 * entry, recorded before the first row is read (not that entry, nor any written while it streams).
 */
export async function exportAudit(
  store: Store,
  actor: Actor,
  q: AuditQuery,
  timeZone: string,
  opts: {
    /** The CLI refuses a filter it cannot read (nothing exported, nothing audited); the portal shows the problems on its page. */
    refuseProblems?: boolean;
    /** Into a file (the CLI's --out): the entry is recorded once the file is whole, with `details` (where it went, who ran it). */
    write?: (chunks: AsyncGenerator<string>) => Promise<void>;
    details?: Record<string, unknown>;
  } = {},
): Promise<{ count: number; problems: string[]; chunks: AsyncGenerator<string> | null }> {
  const { filter: asked, none, problems } = await toFilter(store, q, timeZone);
  if (opts.refuseProblems && problems.length) return { count: 0, problems, chunks: null };
  const newest = (await store.audit.list({ newestFirst: true, limit: 1 }))[0]?.seq ?? 0;
  const filter = { ...asked, beforeSeq: newest + 1 };
  const count = none ? 0 : await store.audit.count(filter);
  const record = () => recordAudit(store, actor, 'audit.export', null, { count, filter: Object.fromEntries(Object.entries(q).filter(([, v]) => v)), ...opts.details });
  const chunks = none ? (async function* () { yield csvRow(AUDIT_CSV_COLUMNS); })() : auditCsvChunks(store, filter);
  if (opts.write) {
    await opts.write(chunks);
    await record();
    return { count, problems, chunks: null };
  }
  await record();
  return { count, problems, chunks };
}
