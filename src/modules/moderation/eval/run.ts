/**
 * Evaluates the moderator on the labelled samples and exits non-zero when a target is missed.
 *   node --import tsx src/modules/moderation/eval/run.ts [--verbose]
 */
import { createModerator } from '../moderate.ts';
import {
  EVAL_TARGETS,
  type EvalReport,
  missedTargets,
  readSamples,
  scoreSamples,
} from './score.ts';

const verbose = process.argv.includes('--verbose');
const samples = readSamples();
const moderator = createModerator();
const report = scoreSamples(moderator, samples);

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function printReport(title: string, r: EvalReport): void {
  console.log(`${title}\n`);
  console.log('category      samples  recall   precision  (target recall)');
  for (const s of r.categories) {
    const target = EVAL_TARGETS.recall[s.category];
    console.log(
      `${s.category.padEnd(13)} ${String(s.samples).padStart(7)}  ${pct(s.recall).padStart(6)}   ${pct(s.precision).padStart(8)}` +
        `   ${target === undefined ? '       ' : `≥ ${pct(target)}`}  caught ${s.caught}/${s.samples}, flagged ${s.flaggedCorrectly}/${s.flagged}`,
    );
  }
  console.log(
    `\nordinary posts allowed: ${r.okAllowed}/${r.okSamples} = ${pct(r.okAllowedRate)} (target ≥ ${pct(EVAL_TARGETS.okAllowed)})`,
  );
  if (verbose) {
    console.log('\nordinary posts held or rejected:');
    for (const fp of r.falsePositives)
      console.log(`  ${fp.action} [${fp.categories.join(',')}] ${fp.text}`);
    console.log('\nspam let through or filed under another category:');
    for (const fn of r.falseNegatives) console.log(`  ${fn.label} → ${fn.action}: ${fn.text}`);
  }
}

printReport(`moderation eval: all ${samples.length} samples`, report);
const heldOut = samples.filter((s) => s.batch === 'held-out');
if (heldOut.length > 0) {
  console.log('');
  printReport(
    `held-out batch (${heldOut.length} samples, never tuned on; for information)`,
    scoreSamples(moderator, heldOut),
  );
}

const missed = missedTargets(report);
if (missed.length > 0) {
  console.error(`\nTARGETS MISSED:\n  ${missed.join('\n  ')}`);
  process.exit(1);
}
console.log('\nall targets met');
