import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { passkeys } from './api.ts';

/** Asks the device for a passkey assertion for a payment (fingerprint, face or screen lock). */
export async function passkeyAssertion(): Promise<unknown> {
  const optionsJSON = await passkeys.assertionOptions();
  return startAuthentication({ optionsJSON: optionsJSON as never });
}

/** Makes a passkey on this device and registers it on the account. */
export async function registerPasskey(name: string) {
  const optionsJSON = await passkeys.registrationOptions();
  const response = await startRegistration({ optionsJSON: optionsJSON as never });
  return passkeys.register({ response, ...(name ? { name } : {}) });
}
