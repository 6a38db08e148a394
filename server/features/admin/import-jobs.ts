/**
 * Browser imports, held in this process's memory only:
 * - a validated plan waits under a random token for the admin who uploaded it (15 minutes);
 * - on confirm it is applied in the background (the page polls the job's progress);
 * - the credentials sheet then waits under a separate one-time download token (15 minutes, or
 *   until the first download). Login codes are never written to the store or to disk in clear.
 */
import { AppError } from '../../errors';
import { DuplicateEmailError, type Store } from '../../store/types';
import type { Logger } from '../../log';
import type { Actor } from '../audit/record';
import type { Tightened } from '../accounts/model';
import { applyImport, credentialsCsv, roleChanges, type ImportPlan, type RoleChange } from '../accounts/import';
import { ageChecks, type AgeChecks } from '../accounts/import-ages';

export const IMPORT_TTL_MS = 15 * 60_000;
const MAX_JOBS = 10;

export type JobState = 'planned' | 'running' | 'done' | 'failed';

export interface ImportJob {
  token: string;
  adminId: string;
  fileName: string;
  update: boolean;
  createdAt: number;
  expiresAt: number;
  state: JobState;
  /** What is happening now, for the progress bar. */
  phase: string;
  /** 0–100. */
  progress: number;
  counts: { create: number; update: number; skip: number; refused: number };
  /** Emails that exist and are skipped (for the plan page). */
  skipped: string[];
  /** Existing users whose role the import changes, and new users who will be administrators. */
  roleChanges: RoleChange[];
  newAdmins: string[];
  /** Who the import makes (or leaves) a minor or an adult (import-ages.ts). */
  ages: AgeChecks;
  /** Rows left out, with the reason (e.g. the admin's own role). */
  refused: { line: number; reason: string }[];
  /** Dropped once applied, to free memory. */
  plan: ImportPlan | null;
  downloadToken: string | null;
  error: string | null;
}

interface Sheet {
  csv: string;
  adminId: string;
  expiresAt: number;
  count: number;
}

const randomToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');

export class ImportJobs {
  private jobs = new Map<string, ImportJob>();
  private sheets = new Map<string, Sheet>();

  constructor(private now: () => number = Date.now) {}

  private prune() {
    const now = this.now();
    for (const [k, j] of this.jobs) if (j.expiresAt <= now && j.state !== 'running') this.jobs.delete(k);
    for (const [k, s] of this.sheets) if (s.expiresAt <= now) this.sheets.delete(k);
    // Oldest first (Map keeps insertion order): never hold more than MAX_JOBS plans.
    for (const [k, j] of this.jobs) {
      if (this.jobs.size <= MAX_JOBS) break;
      if (j.state !== 'running') this.jobs.delete(k);
    }
  }

  add(adminId: string, plan: ImportPlan, meta: { fileName: string; update: boolean }): ImportJob {
    this.prune();
    const now = this.now();
    const job: ImportJob = {
      token: randomToken(),
      adminId,
      fileName: meta.fileName,
      update: meta.update,
      createdAt: now,
      expiresAt: now + IMPORT_TTL_MS,
      state: 'planned',
      phase: 'Waiting for confirmation',
      progress: 0,
      counts: { create: plan.create.length, update: plan.update.length, skip: plan.skip.length, refused: plan.refused.length },
      skipped: plan.skip.map((s) => s.row.email),
      roleChanges: roleChanges(plan),
      newAdmins: plan.create.filter((r) => r.role === 'admin').map((r) => r.email),
      ages: ageChecks(plan, new Date(now)),
      refused: plan.refused.map((r) => ({ line: r.row.line, reason: `${r.user.email}: ${r.reason}` })),
      plan,
      downloadToken: null,
      error: null,
    };
    this.jobs.set(job.token, job);
    return job;
  }

  /** The job, if it exists, has not expired and belongs to this admin. */
  get(token: string, adminId: string): ImportJob | null {
    this.prune();
    const j = this.jobs.get(token);
    return j && j.adminId === adminId ? j : null;
  }

  /**
   * Applies a planned job in the background; the returned promise settles when it is done (the
   * routes do not wait for it). Only a 'planned' job starts; a second confirm does nothing.
   */
  start(job: ImportJob, store: Store, opts: { codeTtlMs: number; actor: Actor; logger: Logger; tightened?: (c: Tightened) => Promise<void>; screenFor?: (userIds: string[], write: () => Promise<void>) => Promise<void> }): Promise<void> | null {
    if (job.state !== 'planned' || !job.plan) return null;
    const plan = job.plan;
    Object.assign(job, { state: 'running', phase: 'Starting', progress: 5 });
    // Let the confirm request answer first; then the work runs.
    return Bun.sleep(0)
      .then(() =>
        applyImport(store, plan, {
          codeTtlMs: opts.codeTtlMs,
          actor: opts.actor,
          onProgress: (done, total) => void Object.assign(job, { phase: `Creating login codes (${done} of ${total})`, progress: 5 + Math.floor((75 * done) / Math.max(total, 1)) }),
          beforeWrite: () => void Object.assign(job, { phase: `Writing ${job.counts.create + job.counts.update} users to the store`, progress: 85 }),
          onAuditProgress: (done, total) => void Object.assign(job, { phase: `Recording audit entries (${done} of ${total})`, progress: 90 + Math.floor((9 * done) / Math.max(total, 1)) }),
          tightened: opts.tightened,
          screenFor: opts.screenFor,
        }),
      )
      .then((creds) => {
        const now = this.now();
        if (creds.length) {
          const token = randomToken();
          this.sheets.set(token, { csv: credentialsCsv(creds), adminId: job.adminId, expiresAt: now + IMPORT_TTL_MS, count: creds.length });
          job.downloadToken = token;
        }
        Object.assign(job, { state: 'done', phase: 'Done', progress: 100, plan: null, expiresAt: now + IMPORT_TTL_MS });
      })
      .catch((e) => {
        let error = 'The import failed and nothing was written. Please try again.';
        if (e instanceof DuplicateEmailError) error = `Meanwhile someone created ${e.emails.slice(0, 5).join(', ')}${e.emails.length > 5 ? ' …' : ''}. Nothing was written: upload the file again.`;
        else if (e instanceof AppError) error = e.message;
        else opts.logger.error('browser import failed', { err: e });
        Object.assign(job, { state: 'failed', phase: 'Failed', progress: 100, plan: null, error });
      });
  }

  /** The credentials sheet, once: it is deleted as it is handed out. */
  takeSheet(downloadToken: string, adminId: string): { csv: string; count: number } | null {
    this.prune();
    const s = this.sheets.get(downloadToken);
    if (!s || s.adminId !== adminId) return null;
    this.sheets.delete(downloadToken);
    return { csv: s.csv, count: s.count };
  }

  hasSheet(downloadToken: string | null): boolean {
    return downloadToken !== null && this.sheets.has(downloadToken);
  }
}
