/**
 * Scores the moderator against the labelled samples. Kept apart from `run.ts` so the test
 * suite can hold the same targets the command line does.
 */
import { readFileSync } from 'node:fs';
import type { ModerationContext, Moderator } from '../moderate.ts';
import { CATEGORIES, type Category } from '../terms.ts';

export type SampleLabel = Category | 'ok';

export interface Sample {
  text: string;
  label: SampleLabel;
  context?: ModerationContext;
  /** "held-out", "held-out-2": written apart from the tuning and scored without tuning on them. */
  batch?: string;
  /** A finer kind within the label, for fraud: click-farming, loan, bank-card, invoice, other. */
  kind?: string;
  /**
   * An ordinary post that looks like spam: it uses the words of one (赛马, 彩票, 发票, 女票,
   * 兼职) or offers a contact. The look-alike block rate is counted over these.
   */
  lookalike?: boolean;
}

export interface CategoryScore {
  category: Category;
  samples: number;
  /** Samples of this category that were held or rejected with this category among the reasons. */
  caught: number;
  /** Samples whose main reason (first category) was this one. */
  flagged: number;
  /** Of those, how many really were this category. */
  flaggedCorrectly: number;
  recall: number;
  precision: number;
}

export interface KindScore {
  label: Category;
  kind: string;
  samples: number;
  caught: number;
  recall: number;
}

export interface EvalReport {
  categories: CategoryScore[];
  /** Recall per finer kind (the fraud subtypes), where samples name one. */
  kinds: KindScore[];
  spamSamples: number;
  /** Spam held or rejected, whatever category it was filed under. */
  spamCaught: number;
  spamRecall: number;
  lookalikeSamples: number;
  /** Look-alikes rejected outright. */
  lookalikeRejected: number;
  /** Look-alikes held for review (kept out of the feed until an operator looks). */
  lookalikeHeld: number;
  /** (rejected + held) / samples: the look-alike block rate the targets hold. */
  lookalikeBlockRate: number;
  okSamples: number;
  okAllowed: number;
  /** Fraction of ordinary posts allowed. */
  okAllowedRate: number;
  /** Ordinary posts that were held or rejected, and spam that got through: for reading, not for tuning. */
  falsePositives: { text: string; action: string; categories: Category[] }[];
  falseNegatives: { text: string; label: SampleLabel; action: string }[];
}

export interface EvalTargets {
  /** Minimum recall per category. */
  recall: Partial<Record<Category, number>>;
  /** Minimum fraction of ordinary posts allowed. */
  okAllowed: number;
  /** Minimum fraction of all spam held or rejected. */
  spamRecall: number;
  /** Maximum fraction of look-alikes held or rejected. */
  lookalikeBlocked: number;
}

export const EVAL_TARGETS: EvalTargets = {
  recall: { gambling: 0.95, pornography: 0.95, fraud: 0.95, ads: 0.95 },
  okAllowed: 0.99,
  spamRecall: 0.95,
  lookalikeBlocked: 0.01,
};

export const SAMPLES_PATH = new URL('./samples.jsonl', import.meta.url);

export function readSamples(path: URL = SAMPLES_PATH): Sample[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Sample);
}

export function scoreSamples(moderator: Moderator, samples: readonly Sample[]): EvalReport {
  const decided = samples.map((sample) => ({
    sample,
    decision: moderator.moderateText(sample.text, sample.context ?? 'post'),
  }));
  const categories = CATEGORIES.map((category): CategoryScore => {
    const ofCategory = decided.filter((d) => d.sample.label === category);
    const caught = ofCategory.filter(
      (d) => d.decision.action !== 'allow' && d.decision.categories.includes(category),
    ).length;
    const flagged = decided.filter(
      (d) => d.decision.action !== 'allow' && d.decision.categories[0] === category,
    );
    const flaggedCorrectly = flagged.filter((d) => d.sample.label === category).length;
    return {
      category,
      samples: ofCategory.length,
      caught,
      flagged: flagged.length,
      flaggedCorrectly,
      recall: ofCategory.length === 0 ? 1 : caught / ofCategory.length,
      precision: flagged.length === 0 ? 1 : flaggedCorrectly / flagged.length,
    };
  });
  const kinds: KindScore[] = [];
  for (const category of CATEGORIES) {
    const names = [
      ...new Set(decided.filter((d) => d.sample.label === category).map((d) => d.sample.kind)),
    ];
    for (const kind of names) {
      if (kind === undefined || kind === category) continue;
      const ofKind = decided.filter((d) => d.sample.label === category && d.sample.kind === kind);
      const caught = ofKind.filter(
        (d) => d.decision.action !== 'allow' && d.decision.categories.includes(category),
      ).length;
      kinds.push({
        label: category,
        kind,
        samples: ofKind.length,
        caught,
        recall: caught / ofKind.length,
      });
    }
  }
  const spam = decided.filter((d) => d.sample.label !== 'ok');
  const spamCaught = spam.filter((d) => d.decision.action !== 'allow').length;
  const lookalikes = decided.filter((d) => d.sample.label === 'ok' && d.sample.lookalike === true);
  const lookalikeRejected = lookalikes.filter((d) => d.decision.action === 'reject').length;
  const lookalikeHeld = lookalikes.filter((d) => d.decision.action === 'review').length;
  const ok = decided.filter((d) => d.sample.label === 'ok');
  const okAllowed = ok.filter((d) => d.decision.action === 'allow').length;
  return {
    categories,
    kinds,
    spamSamples: spam.length,
    spamCaught,
    spamRecall: spam.length === 0 ? 1 : spamCaught / spam.length,
    lookalikeSamples: lookalikes.length,
    lookalikeRejected,
    lookalikeHeld,
    lookalikeBlockRate:
      lookalikes.length === 0 ? 0 : (lookalikeRejected + lookalikeHeld) / lookalikes.length,
    okSamples: ok.length,
    okAllowed,
    okAllowedRate: ok.length === 0 ? 1 : okAllowed / ok.length,
    falsePositives: ok
      .filter((d) => d.decision.action !== 'allow')
      .map((d) => ({
        text: d.sample.text,
        action: d.decision.action,
        categories: d.decision.categories,
      })),
    falseNegatives: decided
      .filter(
        (d) =>
          d.sample.label !== 'ok' &&
          !(
            d.decision.action !== 'allow' &&
            d.decision.categories.includes(d.sample.label as Category)
          ),
      )
      .map((d) => ({ text: d.sample.text, label: d.sample.label, action: d.decision.action })),
  };
}

/** The targets the report misses, as readable lines; empty when all are met. */
export function missedTargets(report: EvalReport, targets: EvalTargets = EVAL_TARGETS): string[] {
  const missed: string[] = [];
  for (const score of report.categories) {
    const target = targets.recall[score.category];
    if (target !== undefined && score.recall < target) {
      missed.push(`${score.category} recall ${score.recall.toFixed(3)} < ${target}`);
    }
  }
  if (report.spamRecall < targets.spamRecall) {
    missed.push(`spam recall ${report.spamRecall.toFixed(3)} < ${targets.spamRecall}`);
  }
  if (report.lookalikeBlockRate > targets.lookalikeBlocked) {
    missed.push(
      `look-alikes blocked ${report.lookalikeBlockRate.toFixed(3)} > ${targets.lookalikeBlocked}`,
    );
  }
  if (report.okAllowedRate < targets.okAllowed) {
    missed.push(`ordinary posts allowed ${report.okAllowedRate.toFixed(3)} < ${targets.okAllowed}`);
  }
  return missed;
}
