import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_COOKIE, caller, SESSION_COOKIE } from '../../platform/http.ts';
import { Body, Pin } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import { deviceIdOf } from '../devices/index.ts';

const PublicUser = Type.Object({
  id: Type.String(),
  phone: Type.String({ description: 'masked' }),
  nickname: Type.String(),
  verified: Type.Boolean(),
});
const Me = Type.Object({
  id: Type.String(),
  phone: Type.String(),
  nickname: Type.String(),
  verified: Type.Boolean(),
  role: Type.String(),
  hasPin: Type.Boolean(),
  phoneVerified: Type.Boolean(),
  verification: Type.Optional(
    Type.Object({
      realName: Type.String(),
      idNumber: Type.String(),
      birthDate: Type.String(),
      gender: Type.String(),
    }),
  ),
  creditScore: Type.Optional(Type.Integer()),
  createdAt: Type.String(),
});
const Session = Type.Object({ token: Type.String(), user: PublicUser });
const Phone = Type.String({ minLength: 5, maxLength: 20 });
const SmsCode = Type.String({ pattern: '^[0-9]{6}$', description: 'six digits' });
const Credentials = {
  phone: Phone,
  password: Type.String({ minLength: 8, maxLength: 128 }),
  device: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'A name for this device' }),
  ),
};

function deviceOf(
  request: FastifyRequest,
  named?: string,
): { device: string; userAgent?: string; ip: string } {
  const ua = request.headers['user-agent'];
  return {
    device: named ?? (ua ? ua.slice(0, 60) : 'unknown device'),
    ...(ua ? { userAgent: ua } : {}),
    ip: request.ip,
  };
}

/** The web app signs in with a cookie; API clients use the token in the body. */
function setSessionCookies(reply: FastifyReply, request: FastifyRequest, token: string) {
  const secure = request.protocol === 'https';
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: 30 * 86400,
  });
  reply.setCookie(CSRF_COOKIE, crypto.randomUUID(), {
    httpOnly: false,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: 30 * 86400,
  });
}

export const identityRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const limits = s.config.rateLimits;
    s.sms.logTo((m) => app.log.info({ sms: { to: m.to, text: m.text } }, 'sandbox SMS'));
    const perUser = (max: number) => ({
      rateLimit: {
        max,
        timeWindow: '1 minute',
        hook: 'preHandler' as const,
        keyGenerator: (r: FastifyRequest) => r.user?.id ?? r.ip,
      },
    });

    app.post(
      '/auth/register',
      {
        config: { rateLimit: { max: limits.register, timeWindow: '1 minute' } },
        schema: {
          tags: ['identity'],
          security: [],
          body: Body({ ...Credentials, nickname: Type.String({ minLength: 1, maxLength: 30 }) }),
          response: { 201: Session },
        },
      },
      async (request, reply) => {
        const { device, ...body } = request.body;
        // A device a permanent ban covers cannot open a new account.
        const deviceId = deviceIdOf(request.headers);
        if (deviceId) await s.devices.refuseBanned(deviceId);
        const result = await s.identity.register({ ...body, ...deviceOf(request, device) });
        if (deviceId) await s.devices.record(result.user.id, deviceId);
        setSessionCookies(reply, request, result.token);
        return reply.code(201).send(result);
      },
    );

    app.post(
      '/auth/login',
      {
        config: { rateLimit: { max: limits.login, timeWindow: '1 minute' } },
        schema: {
          tags: ['identity'],
          security: [],
          body: Body(Credentials),
          response: { 200: Session },
        },
      },
      async (request, reply) => {
        const { device, ...body } = request.body;
        const deviceId = deviceIdOf(request.headers);
        const result = await s.identity.login({ ...body, ...deviceOf(request, device) });
        if (deviceId) await s.devices.record(result.user.id, deviceId);
        setSessionCookies(reply, request, result.token);
        return result;
      },
    );

    app.post(
      '/auth/phone-codes',
      {
        config: { rateLimit: { max: s.config.phoneCodesPerAddress, timeWindow: '1 hour' } },
        schema: {
          tags: ['identity'],
          summary: 'Text a six-digit code to a phone (verification or password reset)',
          security: [],
          body: Body({
            phone: Phone,
            purpose: Type.Union([Type.Literal('verify'), Type.Literal('reset')]),
          }),
        },
      },
      async (request, reply) => {
        await s.identity.requestPhoneCode(request.body.phone, request.body.purpose);
        return reply.code(202).send();
      },
    );

    app.post(
      '/auth/password-reset',
      {
        config: { rateLimit: { max: limits.login, timeWindow: '1 minute' } },
        schema: {
          tags: ['identity'],
          summary: 'Set a new password with a code texted to the phone; ends every session',
          security: [],
          body: Body({
            phone: Phone,
            code: SmsCode,
            newPassword: Type.String({ minLength: 8, maxLength: 128 }),
          }),
        },
      },
      async (request, reply) => {
        const { phone, code, newPassword } = request.body;
        await s.identity.resetPassword(phone, code, newPassword);
        return reply.code(204).send();
      },
    );

    app.post(
      '/auth/logout',
      { onRequest: app.requireUser, schema: { tags: ['identity'] } },
      async (request, reply) => {
        await s.identity.logout(caller(request).sessionId);
        reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
        return reply.code(204).send();
      },
    );

    app.post(
      '/auth/logout-all',
      {
        onRequest: app.requireUser,
        schema: { tags: ['identity'], summary: 'Sign out on every device' },
      },
      async (request, reply) => {
        await s.identity.logoutEverywhere(caller(request).id);
        reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
        return reply.code(204).send();
      },
    );

    app.get(
      '/me',
      { onRequest: app.requireUser, schema: { tags: ['identity'], response: { 200: Me } } },
      async (request) => s.identity.me(caller(request).id),
    );

    app.post(
      '/me/verification',
      {
        onRequest: app.requireUser,
        config: perUser(limits.verification),
        schema: {
          tags: ['identity'],
          summary: 'Real-name verification (实名认证)',
          body: Body({
            realName: Type.String({ minLength: 1, maxLength: 30 }),
            idNumber: Type.String({ minLength: 1, maxLength: 18 }),
          }),
          response: { 200: Me },
        },
      },
      async (request) =>
        s.identity.verify(caller(request).id, request.body.realName, request.body.idNumber),
    );

    app.post(
      '/me/phone-verification',
      {
        onRequest: app.requireUser,
        config: perUser(limits.verification),
        schema: {
          tags: ['identity'],
          summary: 'Prove the phone is yours with the code texted to it',
          body: Body({ code: SmsCode }),
          response: { 200: Me },
        },
      },
      async (request) => s.identity.verifyPhone(caller(request).id, request.body.code),
    );

    app.put(
      '/me/pin',
      {
        onRequest: app.requireUser,
        config: perUser(limits.pin),
        schema: { tags: ['identity'], body: Body({ pin: Pin, currentPin: Type.Optional(Pin) }) },
      },
      async (request, reply) => {
        await s.identity.setPin(caller(request).id, request.body.pin, request.body.currentPin);
        return reply.code(204).send();
      },
    );

    app.get(
      '/me/sessions',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['identity'],
          summary: 'Devices signed in to this account',
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  id: Type.String(),
                  device: Type.String(),
                  userAgent: Type.Union([Type.String(), Type.Null()]),
                  ip: Type.Union([Type.String(), Type.Null()]),
                  createdAt: Type.String(),
                  lastSeenAt: Type.String(),
                  current: Type.Boolean(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({ items: await s.identity.sessions(caller(request)) }),
    );

    app.delete(
      '/me/sessions/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['identity'],
          summary: 'Sign out one device',
          params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        },
      },
      async (request, reply) => {
        await s.identity.revokeSession(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );
  };
