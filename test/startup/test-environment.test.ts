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
