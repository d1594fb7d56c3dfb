import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useToast } from '../toast.tsx';

/** The server allows one code a minute per number; the button waits as long. */
const RESEND_SECONDS = 60;

/**
 * "Send code" with its resend countdown, for phone verification and password reset. Errors
 * (an invalid number, too many codes) go to `onError`.
 */
export function SendCodeButton({
  phone,
  purpose,
  valid,
  onError,
}: {
  phone: string;
  purpose: 'verify' | 'reset';
  /** False when the number is not worth sending to yet; the caller shows why. */
  valid: () => boolean;
  onError: (err: unknown) => void;
}) {
  const { t } = useTranslation();
  const toast = useToast();
  const [left, setLeft] = useState(0);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (left <= 0) return;
    const timer = setTimeout(() => setLeft((s) => s - 1), 1000);
    return () => clearTimeout(timer);
  }, [left]);

  const send = async () => {
    if (!valid()) return;
    setBusy(true);
    try {
      await api.phoneCode({ phone, purpose });
      toast(t('phone.sent'), 'success');
      setLeft(RESEND_SECONDS);
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <button
      type="button"
      className="button button-secondary"
      disabled={busy || left > 0}
      onClick={send}
    >
      {left > 0 ? t('phone.resend', { seconds: left }) : t('phone.send')}
    </button>
  );
}

/** The six-digit code field's input (inside a `Field`). */
export function CodeInput({
  field,
  value,
  onValue,
}: {
  field: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined };
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <input
      {...field}
      name="code"
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={6}
      pattern="[0-9]*"
      value={value}
      onChange={(e) => onValue(e.target.value.replace(/\D/g, ''))}
    />
  );
}
