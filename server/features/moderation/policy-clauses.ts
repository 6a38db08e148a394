/**
 * The policy clauses a safeguarding action cites. A notice always names one, so the affected
 * person knows which rule they are said to have broken. The wording follows the university's
 * code of conduct headings; a university changes the text here (ids are stored with each action).
 */
export interface Clause {
  id: string;
  title: string;
  text: string;
}

export const CLAUSES: readonly Clause[] = [
  { id: 'SG-1', title: 'Sexual solicitation', text: 'Members must not ask anyone for sex, sexual images or sexual favours, including in exchange for grades or help.' },
  { id: 'SG-2', title: 'Grooming a student under 18', text: 'Members must not build secret, sexual or exploitative relationships with students under 18: no flattery about age, secrecy, gifts, private meetings or requests to move to other apps.' },
  { id: 'SG-3', title: 'Sexual harassment', text: 'Members must not make sexual comments about anyone’s body, spread sexual rumours, or keep up sexual attention after being told no.' },
  { id: 'SG-4', title: 'Explicit content', text: 'Explicit sexual language and images are not allowed in university conversations.' },
  { id: 'SG-5', title: 'Threats and blackmail', text: 'Members must not threaten harm, blackmail, or threaten anyone’s studies or grades.' },
  { id: 'SG-6', title: 'Abuse and hate', text: 'Members must not insult, demean or attack others, including for their sex, ethnicity, religion or disability.' },
];

const BY_ID = new Map(CLAUSES.map((c) => [c.id, c]));

export const clauseById = (id: string): Clause | undefined => BY_ID.get(id);

/** The clause an automated action cites for a model label. */
export function clauseForLabels(labels: readonly string[]): Clause {
  const order: [string, string][] = [
    ['grooming_risk', 'SG-2'],
    ['grooming_signal', 'SG-2'],
    ['sexual_solicitation', 'SG-1'],
    ['sexual_harassment', 'SG-3'],
    ['threat', 'SG-5'],
    ['explicit', 'SG-4'],
    ['other_toxic', 'SG-6'],
  ];
  for (const [label, id] of order) if (labels.includes(label)) return BY_ID.get(id)!;
  return BY_ID.get('SG-3')!;
}
