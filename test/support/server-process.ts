/**
 * The real server (`node --import tsx src/main.ts`) as a child process, for tests of startup,
 * shutdown, crashes and lost connections, and a small HTTP client for it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freshIdNumber, freshPhone } from './app.ts';
import { REPO_ROOT } from './ledger-process.ts';
import { freePort } from './ports.ts';

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  port: number;
  /** Everything the server wrote on stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The code any phone verification accepts (once phone ownership exists; ignored before). */
export const SMS_CODE = '246810';

export async function startServer(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const port = await freePort();
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    HEBAO_SECRET: 'server-process-secret-server-process-secret',
    HEBAO_SMS_SANDBOX_CODE: SMS_CODE,
    HEBAO_RATE_REGISTER: '100000',
    HEBAO_RATE_LOGIN: '100000',
    HEBAO_RATE_VERIFICATION: '100000',
    HEBAO_RATE_PIN: '100000',
    ...env,
  };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/main.ts')], {
    cwd: REPO_ROOT,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (s: string) => {
    out = (out + s).slice(-50_000);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, base: `http://127.0.0.1:${port}`, port, output: () => out, exited };
}

export async function waitHealthy(server: ServerProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void server.exited.then(() => {
    exited = true;
  });
  while (Date.now() < until) {
    if (exited) throw new Error(`server exited during startup:\n${server.output()}`);
    try {
      const res = await fetch(`${server.base}/healthz`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not healthy within ${timeoutMs} ms:\n${server.output()}`);
}

export async function stopServer(
  server: ServerProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill(signal);
  }
  return server.exited;
}

/** The embedded PostgreSQL of a data directory: its postmaster pid and Hebao's URL for it. */
export function embeddedInfo(dataDir: string): { pid: number; url: string } {
  const lock = readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
  const password = readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
  return {
    pid: Number(lock[0]),
    url: `postgres://hebao:${password}@127.0.0.1:${lock[3]}/hebao`,
  };
}

export interface Client {
  id: string;
  token: string;
  phone: string;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export function http(base: string) {
  const call = async (
    method: string,
    url: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.headers ?? {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { text };
    }
    return { status: res.status, body };
  };

  /** A registered, verified user (phone too, where the server asks for it), topped up. */
  const user = async (balance = 0): Promise<Client> => {
    const phone = freshPhone();
    const reg = await call('POST', '/api/v1/auth/register', {
      body: { phone, password: 'correct horse battery', nickname: `u${phone.slice(-4)}` },
    });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
    const token = reg.body.token as string;
    const id = (reg.body.user as { id: string }).id;
    // Phone ownership (where this build has it): the sandbox code is fixed for tests.
    const code = await call('POST', '/api/v1/auth/phone-codes', {
      body: { phone, purpose: 'verify' },
    });
    if (code.status === 202) {
      await call('POST', '/api/v1/me/phone-verification', { token, body: { code: SMS_CODE } });
    }
    const v = await call('POST', '/api/v1/me/verification', {
      token,
      body: { realName: '测试用户', idNumber: freshIdNumber() },
    });
    if (v.status !== 200) throw new Error(`verification: ${v.status} ${JSON.stringify(v.body)}`);
    if (balance > 0) {
      const top = await call('POST', '/api/v1/wallet/topups', { token, body: { amount: balance } });
      if (top.status !== 201) throw new Error(`topup: ${top.status} ${JSON.stringify(top.body)}`);
    }
    return { id, token, phone };
  };

  /** Opens the caller's notification stream; resolves each `kind` the moment it arrives. */
  const stream = async (token: string) => {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/notifications/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`);
    const kinds: string[] = [];
    const waiters: (() => void)[] = [];
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
            const event = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const data = event.split('\n').find((l) => l.startsWith('data: '));
            if (!event.includes('event: notification') || !data) continue;
            const kind = (JSON.parse(data.slice(6)) as { kind: string }).kind;
            kinds.push(kind);
            for (const w of waiters) w();
          }
        }
      } catch {}
    })();
    return {
      kinds,
      /** Resolves once `count` events of `kind` have arrived; rejects after `ms`. */
      next(kind: string, ms: number, count = 1): Promise<void> {
        const enough = () => kinds.filter((k) => k === kind).length >= count;
        if (enough()) return Promise.resolve();
        return new Promise((resolve, reject) => {
          const t = setTimeout(
            () => reject(new Error(`no live ${kind} (#${count}) within ${ms} ms`)),
            ms,
          );
          waiters.push(() => {
            if (!enough()) return;
            clearTimeout(t);
            resolve();
          });
        });
      },
      close: () => controller.abort(),
    };
  };

  return { call, user, stream };
}
