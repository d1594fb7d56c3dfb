export { normalizePhone } from './phone.ts';
export { identityRoutes } from './routes.ts';
export {
  type AuthUser,
  IdentityService,
  type PublicUser,
  publicUser,
  type UserRow,
} from './service.ts';
export { SandboxSmsChannel, type SmsChannel } from './sms-channel.ts';
