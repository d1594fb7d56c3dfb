import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logStream } from './logging.ts';

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => {
    text += String(d);
  });
  return { out, text: () => text };
}

describe('log format', () => {
  it('writes readable lines to a terminal', () => {
    const { out, text } = capture();
    const stream = logStream({}, true, out);
    expect(stream).toBeDefined();
    pino({ level: 'info' }, stream as NodeJS.WritableStream).info(
      { reqId: 'r1' },
      'database ready',
    );
    const line = text();
    expect(line).toContain('database ready');
    expect(line).toContain('r1');
    expect(() => JSON.parse(line)).toThrow();
  });

  it('keeps JSON when standard output is not a terminal, unless told otherwise', () => {
    expect(logStream({}, false)).toBeUndefined();
    expect(logStream({ HEBAO_LOG_FORMAT: 'json' }, true)).toBeUndefined();
    expect(logStream({ HEBAO_LOG_FORMAT: 'pretty' }, false, new PassThrough())).toBeDefined();
    expect(() => logStream({ HEBAO_LOG_FORMAT: 'xml' }, false)).toThrow(/HEBAO_LOG_FORMAT/);
  });
});
