import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { useAuth, useMe } from '../auth.tsx';
import { errorMessage } from '../errors.ts';
import { PinSheet } from './PinPad.tsx';

export interface PinRequest {
  /** Who or what the money is for ("To 阿波"), under the sheet's title. */
  summary: string;
  /** The amount, already formatted. */
  amount?: string;
  /** Sends the request, with the PIN when the user has one. */
  run: (pin: string | undefined) => Promise<void>;
  /** Any refusal but a wrong PIN (that one stays in the sheet for another try). */
  onError: (err: unknown) => void;
}

/**
 * The payment-PIN step of a money action: users with a PIN confirm in the keypad sheet, users
 * without one go straight on (the server then asks for verification or limits as usual).
 * `ask` starts it; render `sheet` once on the screen.
 */
export function usePinGate(): {
  ask: (request: PinRequest) => Promise<void>;
  sheet: ReactNode;
  busy: boolean;
} {
  const { t } = useTranslation();
  const me = useMe();
  const { refresh } = useAuth();
  const [pending, setPending] = useState<PinRequest | null>(null);
  const [busy, setBusy] = useState(false);

  const ask = async (request: PinRequest) => {
    if (me.hasPin) {
      setPending(request);
      return;
    }
    setBusy(true);
    try {
      await request.run(undefined);
    } catch (err) {
      request.onError(err);
      // The PIN was set on another device since this page loaded.
      if (err instanceof ApiError && err.code === 'pin_required') void refresh();
    } finally {
      setBusy(false);
    }
  };

  const onComplete = async (pin: string): Promise<string | null> => {
    const request = pending;
    if (!request) return null;
    try {
      await request.run(pin);
      setPending(null);
      return null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'pin_invalid') return errorMessage(t, err);
      setPending(null);
      request.onError(err);
      return null;
    }
  };

  const sheet = (
    <PinSheet
      open={pending !== null}
      title={t('pin.enterTitle')}
      {...(pending?.summary ? { summary: pending.summary } : {})}
      {...(pending?.amount ? { amount: pending.amount } : {})}
      onComplete={onComplete}
      onClose={() => setPending(null)}
    />
  );
  return { ask, sheet, busy: busy || pending !== null };
}
