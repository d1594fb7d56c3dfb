import { type ChangeEvent, type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ApiError } from '../api.ts';
import { QrIcon } from '../components/icons.tsx';
import { compactPhone, PhoneInput, validPhone } from '../components/PhoneInput.tsx';
import { QrScannerSheet } from '../components/QrScanner.tsx';
import { ImageIcon, ScanIcon } from '../components/social-icons.tsx';
import { ErrorText, Field, PageHeader, SubmitButton } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { decodeQrImage, parseReceiveLink } from '../qr.ts';
import { useToast } from '../toast.tsx';
import { type FriendTarget, social } from './social-api.ts';

const ADD_ERRORS = {
  not_found: 'addFriend.errors.notFound',
  conflict: 'addFriend.errors.alreadyFriends',
  blocked: 'addFriend.errors.blocked',
  expired: 'addFriend.errors.qrExpired',
} as const;

/** What a scanned code asks for: a friend QR token, or the user of a receive code. */
export function friendTargetOf(text: string): FriendTarget | null {
  const trimmed = text.trim();
  if (/^hf1\.[\w-]+\.[\w-]+$/.test(trimmed)) return { qrToken: trimmed };
  const receive = parseReceiveLink(trimmed);
  return receive ? { userId: receive.userId } : null;
}

/** Add a friend by phone number, or by scanning their code (camera or a saved image). */
export function AddFriendPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const navigate = useNavigate();
  const fileInput = useRef<HTMLInputElement>(null);
  const [phone, setPhone] = useState('');
  const [message, setMessage] = useState('');
  const [phoneError, setPhoneError] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [scanning, setScanning] = useState(false);

  const send = async (target: FriendTarget) => {
    setBusy(true);
    setError(undefined);
    try {
      const outcome = await social.sendFriendRequest(target, message.trim() || undefined);
      if (outcome.status === 'accepted') {
        toast(t('addFriend.nowFriends'), 'success');
        navigate('/friends', { replace: true });
      } else {
        toast(t('addFriend.sent'), 'success');
        navigate('/friends/requests', { replace: true });
      }
    } catch (err) {
      const self =
        err instanceof ApiError && err.code === 'validation_error' && !err.field
          ? t('addFriend.errors.self')
          : undefined;
      setError(self ?? errorMessage(t, err, ADD_ERRORS));
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!validPhone(phone)) {
      setPhoneError(t('auth.errors.phone'));
      return;
    }
    void send({ phone: compactPhone(phone) });
  };

  const onScanned = (text: string) => {
    setScanning(false);
    const target = friendTargetOf(text);
    if (!target) setError(t('addFriend.errors.qrUnreadable'));
    else void send(target);
  };

  const onImage = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(undefined);
    try {
      const text = await decodeQrImage(file);
      if (text) onScanned(text);
      else setError(t('addFriend.errors.qrUnreadable'));
    } catch {
      setError(t('addFriend.errors.qrUnreadable'));
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('friends.add')} back />
      <section className="card scan-card" aria-labelledby="scan-title">
        <h2 id="scan-title" className="card-title">
          {t('addFriend.byQr')}
        </h2>
        <p className="muted small">{t('addFriend.byQrHint')}</p>
        <div className="button-row">
          <button
            type="button"
            className="button button-primary"
            onClick={() => setScanning(true)}
            disabled={busy}
          >
            <ScanIcon size={20} /> {t('addFriend.scan')}
          </button>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => fileInput.current?.click()}
            disabled={busy}
          >
            <ImageIcon size={20} /> {t('addFriend.fromImage')}
          </button>
        </div>
        <input
          ref={fileInput}
          type="file"
          accept="image/*"
          className="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          data-testid="qr-image-input"
          onChange={(e) => void onImage(e)}
        />
      </section>

      <form className="card form-card" onSubmit={submit} noValidate aria-labelledby="phone-title">
        <h2 id="phone-title" className="card-title">
          {t('addFriend.byPhone')}
        </h2>
        <Field label={t('addFriend.phone')} error={phoneError}>
          {(p) => (
            <PhoneInput
              field={p}
              value={phone}
              onValue={(v) => {
                setPhone(v);
                setPhoneError(undefined);
              }}
            />
          )}
        </Field>
        <Field label={t('addFriend.message')} hint={t('addFriend.messageHint')}>
          {(p) => (
            <input
              {...p}
              name="message"
              maxLength={100}
              placeholder={t('addFriend.messagePlaceholder')}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
          )}
        </Field>
        {error && <ErrorText>{error}</ErrorText>}
        <SubmitButton busy={busy}>{t('addFriend.submit')}</SubmitButton>
      </form>

      <Link to="/friends/qr" className="notice notice-info">
        <QrIcon />
        <span className="notice-text">
          <strong>{t('friendQr.title')}</strong>
          <span>{t('addFriend.myQrHint')}</span>
        </span>
      </Link>
      <QrScannerSheet open={scanning} onClose={() => setScanning(false)} onResult={onScanned} />
    </div>
  );
}
