import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Config } from './config.ts';
import { isConnectionLoss } from './db/pool.ts';
import { campaignRoutes } from './modules/campaigns/index.ts';
import { circleRoutes } from './modules/circles/index.ts';
import { conversationRoutes } from './modules/conversations/index.ts';
import { creditRoutes } from './modules/credit/index.ts';
import { deviceIdOf } from './modules/devices/index.ts';
import { discoveryRoutes } from './modules/discovery/index.ts';
import { energyRoutes } from './modules/energy/index.ts';
import { familyRoutes } from './modules/family/index.ts';
import { farmRoutes } from './modules/farm/index.ts';
import { expenseRoutes, groupRoutes } from './modules/groups/index.ts';
import { identityRoutes } from './modules/identity/index.ts';
import { iouRoutes } from './modules/ious/index.ts';
import { ledgerRoutes } from './modules/ledger/index.ts';
import { merchantRoutes } from './modules/merchants/index.ts';
import { moderationRoutes } from './modules/moderation/index.ts';
import { notificationRoutes } from './modules/notifications/index.ts';
import { passkeyRoutes } from './modules/passkeys/index.ts';
import { redPacketRoutes } from './modules/redpackets/index.ts';
import { riskRoutes } from './modules/risk/index.ts';
import { safetyRoutes } from './modules/safety/index.ts';
import { socialRoutes } from './modules/social/index.ts';
import { walletRoutes } from './modules/wallet/index.ts';
import { AppError } from './platform/errors.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from './platform/http.ts';
import { problemBody } from './platform/idempotency.ts';
import { listenForMetrics, metricsAuthorized } from './platform/metrics.ts';
import { cleanInput, unusableParam } from './platform/text.ts';
import type { Services } from './services.ts';

function ajvFor(coerce: boolean) {
  // Bodies are taken exactly as sent: "100" is not 100, and unknown fields are an error
  // (each schema says additionalProperties: false). Query strings are text and need coercion.
  const ajv = new Ajv({
    coerceTypes: coerce,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

export interface BuildOptions {
  /** Where log lines go instead of JSON on stdout (see platform/logging.ts). */
  logStream?: NodeJS.WritableStream;
}

export async function buildApp(
  config: Config,
  services: Services,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.newPassword',
          '*.pin',
          '*.currentPin',
          '*.idNumber',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 1_048_576,
    trustProxy: config.trustProxy,
    // A path that does not decode (`/posts/%ED%A0%80`, `/posts/%FF`) names nothing: 404 as
    // problem+json, like any other id that is not there.
    frameworkErrors: (err, request, reply: FastifyReply) => {
      const problem =
        err.code === 'FST_ERR_BAD_URL'
          ? new AppError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)
          : new AppError('validation_error', err.message);
      return reply.code(problem.status).type('application/problem+json').send(problemBody(problem));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const bodyAjv = ajvFor(false);
  const queryAjv = ajvFor(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema),
  );

  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    let problem: AppError;
    if (err instanceof AppError) problem = err;
    else if ((err as FastifyError).validation) {
      const v = (err as FastifyError).validation![0];
      const field = v?.instancePath
        ? v.instancePath.slice(1).replaceAll('/', '.')
        : (err as FastifyError).validationContext;
      const detail =
        v?.keyword === 'additionalProperties'
          ? `unknown field "${(v.params as { additionalProperty: string }).additionalProperty}"`
          : `${field ? `${field} ` : ''}${v?.message ?? 'is invalid'}`;
      problem = new AppError('validation_error', detail, field ? { field } : {});
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      problem = new AppError('unsupported_media_type', 'send the body as application/json');
    } else if (
      err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (err.statusCode === 400 && err instanceof SyntaxError)
    ) {
      problem = new AppError('malformed_json', 'the body is not valid JSON');
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      problem = new AppError('validation_error', 'the body is too large');
    } else if (err.statusCode === 429) {
      problem = new AppError('rate_limited', 'too many requests; try again later');
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      problem = new AppError('validation_error', err.message);
    } else if (isConnectionLoss(err)) {
      // The database went away under this request (restart, failover): retry later.
      request.log.warn({ err }, 'database unavailable');
      problem = new AppError(
        'service_unavailable',
        'the database is unavailable; try again shortly',
      );
    } else {
      request.log.error({ err }, 'unhandled error');
      problem = new AppError('internal_error', 'something went wrong on our side');
    }
    if (problem.status === 429) {
      // A refusal that knows its wait (the log-in backoff, a phone's code limit) tells it.
      const wait = problem.extra.retryAfter;
      reply.header('retry-after', typeof wait === 'number' ? String(wait) : '60');
    }
    if (problem.status === 503) reply.header('retry-after', '1');
    return reply.code(problem.status).type('application/problem+json').send(problemBody(problem));
  });

  // The web app (web/dist, built by `npm run build:web`) is served from the same origin, so the
  // session cookie and the API need no CORS. Unknown non-API paths get index.html (client routes).
  const webRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
  const serveWeb = existsSync(path.join(webRoot, 'index.html'));
  if (serveWeb) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
    });
  }

  app.setNotFoundHandler((request, reply) =>
    serveWeb &&
    request.method === 'GET' &&
    !request.url.startsWith('/api/') &&
    request.headers.accept?.includes('text/html')
      ? reply.type('text/html').sendFile('index.html')
      : reply
          .code(404)
          .type('application/problem+json')
          .send(
            problemBody(
              new AppError(
                'not_found',
                `no route for ${request.method} ${request.url.split('?')[0]}`,
              ),
            ),
          ),
  );

  // JSON only: a form or plain-text body is refused with 415 instead of being guessed at.
  app.removeContentTypeParser(['text/plain']);
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      Object.assign(new Error('rate limited'), { statusCode: ctx.statusCode }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hebao API',
        version: '1',
        description: 'Hebao (荷包) social wallet HTTP API',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Authentication: a bearer token, or the web app's session cookie. Routes opt in.
  app.decorate('requireUser', async (request: import('fastify').FastifyRequest) => {
    const header = request.headers.authorization;
    let token: string | undefined;
    let fromCookie = false;
    if (header?.startsWith('Bearer ')) token = header.slice(7).trim();
    else if (request.cookies[SESSION_COOKIE]) {
      token = request.cookies[SESSION_COOKIE];
      fromCookie = true;
    }
    const user = token ? await services.identity.authenticate(token) : undefined;
    if (!user) {
      // A ban ended the session: say so (every request of a banned user is 403 banned).
      if (token && (await services.identity.isBannedSession(token))) {
        throw new AppError('banned', 'this account is banned');
      }
      throw new AppError('unauthorized', 'sign in first');
    }
    if (fromCookie && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      // Double-submit: a cross-site page can make the browser send the cookie, not read it.
      const sent = request.headers['x-csrf-token'];
      if (!sent || sent !== request.cookies[CSRF_COOKIE]) {
        throw new AppError('csrf_failed', 'missing or wrong X-CSRF-Token header');
      }
    }
    // The device is a risk fact (deviceIsNew): carried with the caller to the payment pipeline.
    const device = request.headers['x-device-id'];
    request.user =
      typeof device === 'string' && device.length >= 8 && device.length <= 128
        ? { ...user, deviceId: device }
        : user;
  });
  app.decorate('requireAdmin', async (request: import('fastify').FastifyRequest) => {
    if (!request.user) throw new AppError('unauthorized', 'sign in first');
    if (request.user.role !== 'admin') throw new AppError('forbidden', 'operators only');
  });

  // Text at the edge, once for every route (platform/text.ts): before schema validation, so
  // lengths and patterns apply to the normalised text.
  app.addHook('preValidation', async (request) => {
    if (unusableParam(request.params)) {
      throw new AppError('not_found', `no such ${request.routeOptions.url ?? 'resource'}`);
    }
    for (const [part, value] of [
      ['query', request.query],
      ['body', request.body],
    ] as const) {
      const problem = cleanInput(value);
      if (problem) {
        const field = part === 'query' ? `query.${problem.field}` : problem.field;
        throw new AppError('validation_error', `${field} ${problem.reason}`, { field });
      }
    }
  });

  // Devices (X-Device-Id): every signed-in request that names its device records it (at most
  // once per few minutes per user and device), so money requests, log-ins and sign-ups all do.
  app.addHook('preHandler', async (request) => {
    const deviceId = deviceIdOf(request.headers);
    if (deviceId && request.user) await services.devices.touch(request.user.id, deviceId);
  });

  app.addHook('onResponse', async (request, reply) => {
    services.metrics.httpRequests.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await services.db.query('SELECT 1');
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  // Metrics tell an outsider the traffic, the routes and the process's insides: never public.
  // On the main port only with a bearer token; without one there is no /metrics here (404).
  const { token: metricsToken, port: metricsPort } = config.metrics;
  if (metricsToken) {
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (!metricsAuthorized(request.headers.authorization, metricsToken)) {
        reply.header('www-authenticate', 'Bearer');
        throw new AppError('unauthorized', 'send the metrics token as a bearer token');
      }
      reply.type(services.metrics.registry.contentType);
      return services.metrics.registry.metrics();
    });
  }
  if (metricsPort !== undefined) {
    // Started with the app (listen or first inject), so a taken port fails the start.
    let metricsServer: { close(): Promise<void> } | undefined;
    app.addHook('onReady', async () => {
      metricsServer = await listenForMetrics(services.metrics.registry, {
        port: metricsPort,
        host: config.host,
        token: metricsToken,
      });
    });
    app.addHook('onClose', async () => {
      await metricsServer?.close();
    });
  }

  await app.register(identityRoutes(services), { prefix: '/api/v1' });
  await app.register(walletRoutes(services), { prefix: '/api/v1' });
  await app.register(ledgerRoutes(services), { prefix: '/api/v1' });
  await app.register(notificationRoutes(services), { prefix: '/api/v1' });
  await app.register(moderationRoutes(services), { prefix: '/api/v1' });
  await app.register(socialRoutes(services), { prefix: '/api/v1' });
  await app.register(groupRoutes(services), { prefix: '/api/v1' });
  await app.register(expenseRoutes(services), { prefix: '/api/v1' });
  await app.register(redPacketRoutes(services), { prefix: '/api/v1' });
  await app.register(iouRoutes(services), { prefix: '/api/v1' });
  await app.register(familyRoutes(services), { prefix: '/api/v1' });
  await app.register(safetyRoutes(services), { prefix: '/api/v1' });
  await app.register(circleRoutes(services), { prefix: '/api/v1' });
  await app.register(campaignRoutes(services), { prefix: '/api/v1' });
  await app.register(farmRoutes(services), { prefix: '/api/v1' });
  await app.register(energyRoutes(services), { prefix: '/api/v1' });
  await app.register(discoveryRoutes(services), { prefix: '/api/v1' });
  await app.register(riskRoutes(services), { prefix: '/api/v1' });
  await app.register(passkeyRoutes(services), { prefix: '/api/v1' });
  await app.register(conversationRoutes(services), { prefix: '/api/v1' });
  await app.register(merchantRoutes(services), { prefix: '/api/v1' });
  await app.register(creditRoutes(services), { prefix: '/api/v1' });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    requireUser: (request: FastifyRequest) => Promise<void>;
    requireAdmin: (request: FastifyRequest) => Promise<void>;
  }
}
