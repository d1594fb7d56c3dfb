/**
 * Evaluates the moderator on the labelled samples and exits non-zero when a target is missed
 * on the tuning set. The held-out batch is scored and printed beside it, never gated on: its
 * figures are only honest while nobody tunes on them, so `--verbose` lists the tuning set's
 * mistakes only (`--show-held-out` also lists the held-out ones, which spends them).
 *   node --import tsx src/modules/moderation/eval/run.ts [--verbose] [--show-held-out]
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
const showHeldOut = process.argv.includes('--show-held-out');
const samples = readSamples();
const moderator = createModerator();

const HELD_OUT_NOTES: Record<string, string> = {
  'held-out': 'written before the rules it scores were tuned, never tuned on',
  'held-out-2': 'written after the first round of tuning, never tuned on',
};

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function printReport(title: string, r: EvalReport, listMistakes: boolean): void {
  console.log(`${title}\n`);
  console.log('category      samples  recall   precision  (target recall)');
  for (const s of r.categories) {
    const target = EVAL_TARGETS.recall[s.category];
    console.log(
      `${s.category.padEnd(13)} ${String(s.samples).padStart(7)}  ${pct(s.recall).padStart(6)}   ${pct(s.precision).padStart(8)}` +
        `   ${target === undefined ? '       ' : `≥ ${pct(target)}`}  caught ${s.caught}/${s.samples}, flagged ${s.flaggedCorrectly}/${s.flagged}`,
    );
  }
  for (const k of r.kinds) {
    console.log(
      `  ${`${k.label}/${k.kind}`.padEnd(22)} ${String(k.samples).padStart(4)}  recall ${pct(k.recall).padStart(6)}  caught ${k.caught}/${k.samples}`,
    );
  }
  console.log(
    `\nspam held or rejected (any category): ${r.spamCaught}/${r.spamSamples} = ${pct(r.spamRecall)} (target ≥ ${pct(EVAL_TARGETS.spamRecall)})`,
  );
  console.log(
    `look-alikes blocked: ${r.lookalikeRejected + r.lookalikeHeld}/${r.lookalikeSamples} = ${pct(r.lookalikeBlockRate)}` +
      ` (${r.lookalikeRejected} rejected, ${r.lookalikeHeld} held; target ≤ ${pct(EVAL_TARGETS.lookalikeBlocked)})`,
  );
  console.log(
    `ordinary posts allowed: ${r.okAllowed}/${r.okSamples} = ${pct(r.okAllowedRate)} (target ≥ ${pct(EVAL_TARGETS.okAllowed)})`,
  );
  if (listMistakes) {
    console.log('\nordinary posts held or rejected:');
    for (const fp of r.falsePositives)
      console.log(`  ${fp.action} [${fp.categories.join(',')}] ${fp.text}`);
    console.log('\nspam let through or filed under another category:');
    for (const fn of r.falseNegatives) console.log(`  ${fn.label} → ${fn.action}: ${fn.text}`);
  }
}

/** Batches named held-out… are never tuned on: each is scored and printed on its own. */
const isHeldOut = (batch: string | undefined): boolean => batch?.startsWith('held-out') === true;
const tuning = samples.filter((s) => !isHeldOut(s.batch));
const tuningReport = scoreSamples(moderator, tuning);
printReport(`moderation eval: tuning set, ${tuning.length} samples`, tuningReport, verbose);
const heldOutBatches = [...new Set(samples.map((s) => s.batch).filter(isHeldOut))];
for (const batch of heldOutBatches) {
  const heldOut = samples.filter((s) => s.batch === batch);
  console.log('');
  printReport(
    `${batch} batch, ${heldOut.length} samples (${HELD_OUT_NOTES[batch!] ?? 'never tuned on'}; reported, not gated)`,
    scoreSamples(moderator, heldOut),
    showHeldOut,
  );
}
console.log('');
printReport(`all ${samples.length} samples`, scoreSamples(moderator, samples), false);

const missed = missedTargets(tuningReport);
if (missed.length > 0) {
  console.error(`\nTARGETS MISSED (tuning set):\n  ${missed.join('\n  ')}`);
  process.exit(1);
}
console.log('\nall targets met on the tuning set');
