import { AppError } from '../../platform/errors.ts';

/**
 * Text moderation as this module needs it. The implementation (src/modules/moderation) is
 * injected by the composition root, so this module never imports it and tests can pass a fake.
 */
export type ModerationContext = 'post' | 'comment' | 'note' | 'nickname' | 'greeting';

export interface ModerationVerdict {
  action: 'allow' | 'review' | 'reject';
  categories: string[];
}

/** `userId`: who wrote it, for the decision log the review queue reads. */
export type Moderate = (
  text: string,
  context: ModerationContext,
  userId?: string,
) => Promise<ModerationVerdict>;

/**
 * Runs moderation and refuses rejected text. The problem names the categories only, never
 * the matched terms: echoing them would teach spammers which spelling got caught.
 */
export async function moderateOrRefuse(
  moderate: Moderate,
  text: string,
  context: ModerationContext,
  userId?: string,
): Promise<ModerationVerdict> {
  if (text.trim() === '') return { action: 'allow', categories: [] };
  const verdict = await moderate(text, context, userId);
  if (verdict.action === 'reject') {
    throw new AppError('content_rejected', `this ${context} was refused by moderation`, {
      categories: verdict.categories,
    });
  }
  return verdict;
}
