/**
 * The fair-hearing rules, as pure functions over a sanction (store type) so that every
 * transition can be enumerated in tests. The actions in sanctions.ts ask these first and then
 * apply the change with the store's compare-and-set, so two people acting at once cannot both win.
 *
 * States and transitions:
 *
 *   active ──statement (affected party, before the deadline)──▶ appealed
 *   appealed ──decide (a reviewer who did NOT act)──▶ upheld | overturned
 *   active | upheld ──lift (any officer)──▶ lifted
 *
 * - "In force" = active, appealed or upheld: the sanction restricts while it is being heard.
 * - overturned restores everything: held evidence messages are released, the restriction, block
 *   or freeze stops applying. lifted only ends it: it judges no message (held ones wait for their
 *   cases, upheld ones stay hidden). upheld keeps it (an officer may lift it later).
 * - The affected party: the sanctioned account; for a room freeze, any owner of the room.
 * - "Did not act" = neither the officer who imposed the sanction nor one who decided one of its
 *   evidence cases. Automated restrictions have no acting officer; any officer may decide them.
 * - Nobody decides or lifts a sanction about themselves (an officer can be sanctioned too).
 */
import { SANCTION_IN_FORCE, type Sanction, type SanctionStatus } from '../../store/types';

export type Check = { ok: true } | { ok: false; reason: string };

export const IN_FORCE: SanctionStatus[] = [...SANCTION_IN_FORCE];
export const inForce = (s: Pick<Sanction, 'status'>) => IN_FORCE.includes(s.status);

export const MAX_STATEMENT = 4000;

const no = (reason: string): Check => ({ ok: false, reason });
const yes: Check = { ok: true };

export function canSubmitStatement(s: Sanction, opts: { affected: boolean; now: number }): Check {
  if (!opts.affected) return no('Only the person this decision is about can respond to it.');
  if (s.status === 'appealed') return no('Your statement has already been received; a reviewer will decide.');
  if (s.status !== 'active') return no('This decision has already been reviewed.');
  if (opts.now > s.deadline) return no('The deadline for a statement has passed. Contact the safeguarding office if you need more time.');
  return yes;
}

export const OWN_CASE = 'You cannot decide a safeguarding matter about yourself: another officer must.';

/**
 * `actedBy`: the officer who imposed the sanction and those who decided its evidence cases;
 * `affected`: the people the sanction is about.
 */
export function canDecideAppeal(s: Sanction, reviewerId: string, actedBy: readonly (string | null)[], affected: readonly string[] = []): Check {
  if (s.status !== 'appealed') return no(s.status === 'active' ? 'There is no statement to decide on yet.' : 'This appeal has already been decided.');
  if (affected.includes(reviewerId)) return no(OWN_CASE);
  if (actedBy.includes(reviewerId)) return no('A different reviewer must decide this appeal: you took part in the decision being appealed.');
  return yes;
}

export function canLift(s: Sanction, officerId?: string, affected: readonly string[] = []): Check {
  if (s.status === 'appealed') return no('An appeal is pending: decide the appeal instead.');
  if (s.status !== 'active' && s.status !== 'upheld') return no('This action is no longer in force.');
  if (officerId !== undefined && affected.includes(officerId)) return no(OWN_CASE);
  return yes;
}

/** Freezes hide nothing: lifting one reopens the room and leaves its evidence cases to their own review. */
export const hidesEvidence = (s: Pick<Sanction, 'kind'>) => s.kind !== 'freeze';

/** What a decision on an appeal leads to. */
export const appealOutcome = (overturn: boolean): SanctionStatus => (overturn ? 'overturned' : 'upheld');

/** Whether this state means everything the sanction did must be undone. */
/** Whether ending a sanction this way restores what it hid: an overturn (its evidence judged wrong), not a lift. */
export const restores = (status: SanctionStatus) => status === 'overturned';
