import { defineConfig } from 'vitest/config';

/**
 * The pure unit tests of the money core, for `npm run mutate` (StrykerJS runs them against
 * every mutant): no database, no app, so each run takes a second or two.
 */
export default defineConfig({
  test: {
    include: [
      'src/modules/ledger/engine.test.ts',
      'src/modules/redpackets/split.test.ts',
      'src/modules/groups/simplify.test.ts',
      'src/modules/groups/split-expense.test.ts',
      'src/modules/groups/collection-split.test.ts',
      'src/modules/ious/interest.test.ts',
      'src/modules/wallet/allowance.test.ts',
    ],
    setupFiles: ['./test/support/fast-check.ts'],
    // One seed for every mutant: a mutant is killed or not by the same cases each time.
    env: { FC_SEED: process.env.FC_SEED ?? '20261206' },
    pool: 'forks',
    maxWorkers: 1,
  },
});
