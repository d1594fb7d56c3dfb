import pretty from 'pino-pretty';
import { ConfigError } from '../config.ts';

/**
 * Where the server's log lines go: readable lines (pino-pretty) when standard output is a
 * terminal, one JSON object per line otherwise (files, journald, log shippers).
 * HEBAO_LOG_FORMAT=json|pretty overrides the guess. `undefined` means pino's own JSON stdout.
 */
export function logStream(
  env: NodeJS.ProcessEnv = process.env,
  isTTY: boolean = process.stdout.isTTY === true,
  destination: NodeJS.WritableStream = process.stdout,
): NodeJS.WritableStream | undefined {
  const format = env.HEBAO_LOG_FORMAT ?? (isTTY ? 'pretty' : 'json');
  if (format === 'json') return undefined;
  if (format !== 'pretty') {
    throw new ConfigError(`HEBAO_LOG_FORMAT "${format}" is neither "json" nor "pretty"`);
  }
  return pretty({
    // In-process and synchronous: no worker thread, and nothing lost on process.exit.
    sync: true,
    destination,
    colorize: isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
}
