export {
  type ContactWeights,
  createModerator,
  DEFAULT_CONTACT_WEIGHTS,
  DEFAULT_THRESHOLDS,
  type Decision,
  type DecisionMatch,
  type ModerationAction,
  type ModerationContext,
  type Moderator,
  type ModeratorOptions,
} from './moderate.ts';
export { type NormalizedText, normalizeText } from './normalize.ts';
export { moderationRoutes } from './routes.ts';
export { type DecisionRow, ModerationService, type Verdict } from './service.ts';
export {
  CATEGORIES,
  type Category,
  type TermEntry,
  type TermFile,
  TermFileError,
  type Thresholds,
} from './terms.ts';
