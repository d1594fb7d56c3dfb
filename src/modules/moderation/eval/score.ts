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
  /** "held-out": written after the terms were last tuned and scored without tuning on them. */
  batch?: string;
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

export interface EvalReport {
  categories: CategoryScore[];
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
}

export const EVAL_TARGETS: EvalTargets = { recall: { gambling: 0.95, ads: 0.95 }, okAllowed: 0.99 };

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
  const ok = decided.filter((d) => d.sample.label === 'ok');
  const okAllowed = ok.filter((d) => d.decision.action === 'allow').length;
  return {
    categories,
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
  if (report.okAllowedRate < targets.okAllowed) {
    missed.push(`ordinary posts allowed ${report.okAllowedRate.toFixed(3)} < ${targets.okAllowed}`);
  }
  return missed;
}
