export { passkeyRoutes } from './routes.ts';
export { PasskeyService, type PasskeyView, type RelyingParty } from './service.ts';
