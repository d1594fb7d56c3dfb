import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { useAuth, useMe } from '../auth.tsx';
import { LockIcon } from '../components/icons.tsx';
import { PIN_LENGTH, PinPad } from '../components/PinPad.tsx';
import { ErrorText, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useToast } from '../toast.tsx';
import { safeNext } from './Login.tsx';

type Step = 'current' | 'new' | 'confirm';

/** Mirrors the server's rules so most weak PINs are caught before a round trip. */
export function weakPin(pin: string): boolean {
  const d = [...pin].map(Number);
  if (d.every((x) => x === d[0])) return true;
  const steps = d.slice(1).map((x, i) => (x - d[i]! + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9)) return true;
  return pin.slice(0, 3) === pin.slice(3) || pin.slice(0, 2).repeat(3) === pin;
}

/** Set the payment PIN, or change it (current PIN first), on the six-dot keypad. */
export function PinPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { setMe } = useAuth();
  const toast = useToast();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const onboarding = params.get('onboarding') === '1';
  const next = safeNext(params.get('next') ?? '/me');
  const [step, setStep] = useState<Step>(me.hasPin ? 'current' : 'new');
  const [current, setCurrent] = useState('');
  const [fresh, setFresh] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const change = async (v: string) => {
    setValue(v);
    if (v.length > 0) setError(undefined);
    if (v.length !== PIN_LENGTH) return;
    if (step === 'current') {
      setCurrent(v);
      setValue('');
      setStep('new');
      return;
    }
    if (step === 'new') {
      if (weakPin(v)) {
        setValue('');
        setError(t('errors.fields.pin'));
        return;
      }
      setFresh(v);
      setValue('');
      setStep('confirm');
      return;
    }
    if (v !== fresh) {
      setValue('');
      setFresh('');
      setStep('new');
      setError(t('pin.mismatch'));
      return;
    }
    setBusy(true);
    try {
      await api.setPin({ pin: v, ...(me.hasPin ? { currentPin: current } : {}) });
      setMe({ ...me, hasPin: true });
      toast(me.hasPin ? t('pin.changed') : t('pin.set'), 'success');
      navigate(next, { replace: true });
    } catch (err) {
      setValue('');
      setFresh('');
      setCurrent('');
      setStep(me.hasPin ? 'current' : 'new');
      setError(errorMessage(t, err, { pin_invalid: 'pin.currentWrong' }));
      setBusy(false);
    }
  };

  const title = me.hasPin ? t('pin.changeTitle') : t('pin.setTitle');
  return (
    <div className="page pin-page">
      <PageHeader title={title} back={onboarding ? undefined : true} />
      <section className="card pin-card">
        <span className="intro-icon" aria-hidden="true">
          <LockIcon size={26} />
        </span>
        <h2 className="pin-step" aria-live="polite">
          {t(`pin.step.${step}`)}
        </h2>
        <p className="muted small center">{t('pin.rules')}</p>
        <PinPad
          value={value}
          onChange={(v) => void change(v)}
          disabled={busy}
          label={t(`pin.step.${step}`)}
          status={
            busy ? (
              <p className="muted">{t('common.processing')}</p>
            ) : error ? (
              <ErrorText>{error}</ErrorText>
            ) : null
          }
        />
        {onboarding && (
          <p className="center">
            <Link to={next} className="link-button">
              {t('common.later')}
            </Link>
          </p>
        )}
      </section>
    </div>
  );
}
