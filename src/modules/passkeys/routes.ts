import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { caller, emptyBodyAsObject } from '../../platform/http.ts';
import { Body } from '../../platform/schemas.ts';
import type { Services } from '../../services.ts';
import type { RelyingParty } from './service.ts';

const PasskeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The relying party: HEBAO_WEBAUTHN_ORIGIN when set (production behind a proxy), else the page
 * the request comes from, which must be this host (a page elsewhere gets no challenge).
 */
function relyingParty(s: Services, request: FastifyRequest): RelyingParty {
  const configured = s.config.webauthnOrigin;
  const origin =
    configured ?? request.headers.origin ?? `${request.protocol}://${request.headers.host}`;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new AppError('forbidden', 'passkeys need a page origin');
  }
  if (!configured && url.host !== request.headers.host) {
    throw new AppError('forbidden', 'passkeys are set up from this site only');
  }
  return { rpId: url.hostname, origin: url.origin };
}

export const passkeyRoutes =
  (s: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/me/passkeys/registration-options',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['identity'],
          summary: 'Options for navigator.credentials.create (a challenge for 5 minutes)',
          body: Body({}),
        },
      },
      async (request) => {
        const me = caller(request);
        return s.passkeys.registrationOptions(me, relyingParty(s, request));
      },
    );

    app.post(
      '/me/passkeys',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['identity'],
          summary: 'Register a passkey (the browser’s RegistrationResponseJSON)',
          body: Body({
            response: Type.Object({}, { additionalProperties: true }),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
          }),
          response: { 201: PasskeyView },
        },
      },
      async (request, reply) => {
        const view = await s.passkeys.register(
          caller(request).id,
          request.body.response as never,
          request.body.name,
        );
        return reply.code(201).send(view);
      },
    );

    app.get(
      '/me/passkeys',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['identity'],
          summary: 'My passkeys',
          response: { 200: Type.Object({ items: Type.Array(PasskeyView) }) },
        },
      },
      async (request) => ({ items: await s.passkeys.list(caller(request).id) }),
    );

    app.delete(
      '/me/passkeys/:id',
      {
        onRequest: app.requireUser,
        schema: {
          tags: ['identity'],
          summary: 'Remove a passkey',
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) }),
        },
      },
      async (request, reply) => {
        await s.passkeys.remove(caller(request).id, request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/me/passkeys/assertion-options',
      {
        onRequest: app.requireUser,
        preValidation: emptyBodyAsObject,
        schema: {
          tags: ['identity'],
          summary:
            'Options for navigator.credentials.get, to confirm a payment (or answer a risk challenge) with a passkey',
          body: Body({}),
        },
      },
      async (request) => s.passkeys.paymentOptions(caller(request).id, relyingParty(s, request)),
    );
  };
