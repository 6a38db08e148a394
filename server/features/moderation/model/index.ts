/**
 * Public API of the moderation model (see docs/moderation-model.md):
 *
 *   import { loadModel, classify, groomingRisk } from './features/moderation/model';
 *   const model = loadModel();                      // reads weights.bin once
 *   model.classify('s3nd p!c') // { scores: {…}, review: ['sexual_solicitation'], hold: [...] }
 *   model.classify(text, { context: 'dm', senderRole: 'lecturer' }) // with the message's context
 *   groomingRisk(lastScoresFromSenderToRecipient, { recipientMinor, senderAdult, sharedCourse, newContact })
 *
 * Account facts always come from the store, never from message text.
 */
export { LABELS, type Label, type Scores } from './labels';
export { loadModel, classify, groomingRisk, DEFAULT_WEIGHTS_PATH, ModelFormatError, type Model, type Classification, type Thresholds } from './model';
export { groomingRiskWith, type AccountFacts, type GroomingParams, type GroomingRisk } from './grooming';
export { normalise } from './normalise';
export { CONTEXTS, SENDER_ROLES, type MessageContext } from './features';
