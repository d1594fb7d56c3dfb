import fc from 'fast-check';

/**
 * Property tests run on a fixed seed in CI (a failure there is reproducible from the log) and
 * on a random one locally, so that every run explores new cases; fast-check prints the seed
 * and path of a failure either way. FC_SEED replays one: `FC_SEED=123 npx vitest run …`.
 */
const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI === 'true'
    ? 20_261_206
    : undefined;

fc.configureGlobal({ ...(seed !== undefined ? { seed } : {}), numRuns: 200 });
