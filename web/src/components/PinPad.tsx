import { type KeyboardEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { armPasskey, passkeys } from '../api.ts';
import { passkeyAssertion } from '../passkey.ts';
import { CloseIcon, DeleteIcon, LockIcon } from './icons.tsx';
import { ErrorText, Sheet } from './ui.tsx';

export const PIN_LENGTH = 6;
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '', '0', 'del'] as const;

/**
 * Six dots and an on-screen numeric keypad. Every key is a real button (Tab, Enter, Space);
 * digits and Backspace typed on a physical keyboard work too while the pad has focus.
 */
export function PinPad({
  value,
  onChange,
  disabled,
  label,
  status,
}: {
  value: string;
  onChange: (next: string) => void;
  disabled?: boolean;
  /** Shown between the dots and the keys (an error, "checking…"). */
  status?: ReactNode;
  /** What the dots stand for, for screen readers ("payment PIN"). */
  label: string;
}) {
  const { t } = useTranslation();
  const press = (key: string) => {
    if (disabled) return;
    if (key === 'del') onChange(value.slice(0, -1));
    else if (/^\d$/.test(key) && value.length < PIN_LENGTH) onChange(value + key);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (/^\d$/.test(e.key)) {
      e.preventDefault();
      press(e.key);
    } else if (e.key === 'Backspace') {
      e.preventDefault();
      press('del');
    }
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: keys typed while a pad button has focus
    <div className="pinpad" onKeyDown={onKeyDown}>
      <div
        className="pin-dots"
        role="img"
        aria-label={t('pin.progress', { label, n: value.length, total: PIN_LENGTH })}
        data-testid="pin-dots"
      >
        {Array.from({ length: PIN_LENGTH }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the six positions are fixed
          <span key={i} className={`pin-dot${i < value.length ? ' pin-dot-filled' : ''}`} />
        ))}
      </div>
      <div className="pin-status">{status}</div>
      <div className="keypad">
        {KEYS.map((key) =>
          key === '' ? (
            <span key="blank" className="key key-blank" />
          ) : (
            <button
              key={key}
              type="button"
              className={`key${key === 'del' ? ' key-del' : ''}`}
              onClick={() => press(key)}
              // Not `disabled`: a disabled button drops focus, and typing would stop working.
              aria-disabled={disabled || undefined}
              aria-label={key === 'del' ? t('pin.delete') : key}
              data-autofocus={key === '1' ? true : undefined}
            >
              {key === 'del' ? <DeleteIcon /> : key}
            </button>
          ),
        )}
      </div>
    </div>
  );
}

/**
 * The sheet that asks for the payment PIN before money leaves the wallet. When six digits are
 * in, `onComplete` runs; it resolves to an error message to show (the dots clear for another
 * try) or to null when the caller is done (it then closes the sheet).
 */
export function PinSheet({
  open,
  title,
  summary,
  amount,
  onComplete,
  onClose,
}: {
  open: boolean;
  title: string;
  summary?: string;
  amount?: string;
  onComplete: (pin: string) => Promise<string | null>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [hasPasskey, setHasPasskey] = useState(false);
  useEffect(() => {
    if (!open) return;
    passkeys
      .list()
      .then((r) => setHasPasskey(r.items.length > 0))
      .catch(() => setHasPasskey(false));
  }, [open]);

  /** Confirms with a passkey instead: the submission carries the assertion, not the PIN. */
  const payWithPasskey = async () => {
    setBusy(true);
    try {
      armPasskey(await passkeyAssertion());
      setError(await onComplete(''));
    } catch {
      setError(t('risk.passkeyFailed'));
    } finally {
      setBusy(false);
    }
  };

  const close = () => {
    if (busy) return;
    setPin('');
    setError(null);
    onClose();
  };
  const change = async (next: string) => {
    setPin(next);
    if (next.length > 0) setError(null);
    if (next.length !== PIN_LENGTH) return;
    setBusy(true);
    try {
      const message = await onComplete(next);
      setPin('');
      setError(message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Sheet open={open} onClose={close} labelledBy={id} className="pin-sheet">
      <div className="sheet-head">
        <button
          type="button"
          className="icon-button"
          aria-label={t('common.close')}
          onClick={close}
        >
          <CloseIcon />
        </button>
        <h2 id={id} className="sheet-title">
          {title}
        </h2>
        <span className="icon-button-spacer" />
      </div>
      <div className="pin-sheet-summary">
        {summary && <p className="pin-sheet-to">{summary}</p>}
        {amount && <p className="pin-sheet-amount">{amount}</p>}
      </div>
      <PinPad
        value={pin}
        onChange={(v) => void change(v)}
        disabled={busy}
        label={t('pin.payment')}
        status={
          busy ? (
            <p className="muted" role="status">
              {t('pin.checking')}
            </p>
          ) : error ? (
            <ErrorText>{error}</ErrorText>
          ) : (
            <p className="muted pin-hint">
              <LockIcon size={14} /> {t('pin.sheetHint')}
            </p>
          )
        }
      />
      {hasPasskey && (
        <button
          type="button"
          className="button button-block"
          disabled={busy}
          onClick={() => void payWithPasskey()}
        >
          {t('passkeys.payWith')}
        </button>
      )}
    </Sheet>
  );
}
