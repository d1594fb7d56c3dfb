import { configDefaults, defineConfig } from 'vitest/config';
import { skipBrowserTests } from './test/support/chromium.ts';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // No Chromium: the browser tests are left out (global set-up prints one line about it).
    exclude: [...configDefaults.exclude, ...(skipBrowserTests() ? ['test/e2e/**'] : [])],
    globalSetup: ['./test/support/global-setup.ts'],
    setupFiles: ['./test/support/fast-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only add contention on the shared PostgreSQL.
    maxWorkers: 2,
  },
});
