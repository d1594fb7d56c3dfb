import { existsSync } from 'node:fs';

/** Where the browser tests look for Chromium: HEBAO_CHROMIUM or CHROMIUM_PATH, else Debian's. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.HEBAO_CHROMIUM || env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export function chromiumFound(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(chromiumPath(env));
}

/**
 * Without Chromium the browser tests are left out of the run (one line says so), so `npm test`
 * passes on a machine with only Node; CI sets HEBAO_REQUIRE_BROWSER=1 to make that a failure.
 */
export function skipBrowserTests(env: NodeJS.ProcessEnv = process.env): boolean {
  return !chromiumFound(env) && env.HEBAO_REQUIRE_BROWSER !== '1';
}

export function browserSkipNotice(env: NodeJS.ProcessEnv = process.env): string {
  return `Browser tests (test/e2e) skipped: no Chromium at ${chromiumPath(env)}; to run them, install it (apt-get install chromium) or set HEBAO_CHROMIUM=/path/to/chromium, then npm test.`;
}
