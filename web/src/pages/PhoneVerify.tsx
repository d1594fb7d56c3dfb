import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { useAuth, useMe } from '../auth.tsx';
import { ShieldIcon } from '../components/icons.tsx';
import { compactPhone, PhoneInput, validPhone } from '../components/PhoneInput.tsx';
import { CodeInput, SendCodeButton } from '../components/SmsCode.tsx';
import { ErrorText, Field, PageHeader, SubmitButton } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useToast } from '../toast.tsx';
import { safeNext } from './Login.tsx';

/**
 * Proving the phone is yours: a code texted to it, typed back. Comes right after sign-up (the
 * number is carried over) and before real-name verification, which needs it; then goes on to
 * `/me/verify` with the same `onboarding` and `next`.
 */
export function PhoneVerifyPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { setMe } = useAuth();
  const toast = useToast();
  const [params] = useSearchParams();
  const location = useLocation();
  const onboarding = params.get('onboarding') === '1';
  const next = safeNext(params.get('next'));
  const carried = (location.state as { phone?: string } | null)?.phone ?? '';
  const [phone, setPhone] = useState(carried);
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<{ phone?: string; code?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  // Already done (or done in another tab): straight on to the identity step.
  if (me.phoneVerified) return <Navigate to={`/me/verify?${params}`} replace />;

  const phoneValid = () => {
    const ok = validPhone(phone);
    setErrors(ok ? {} : { phone: t('auth.errors.phone') });
    return ok;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code)) {
      setErrors({ code: t('errors.fields.code') });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const updated = await api.verifyPhone({ code });
      toast(t('phone.done'), 'success');
      setMe(updated);
    } catch (err) {
      setErrors({ form: errorMessage(t, err) });
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('phone.title')} back={onboarding ? undefined : true} />
      <section className="intro">
        <span className="intro-icon" aria-hidden="true">
          <ShieldIcon size={28} />
        </span>
        <p>{t('phone.intro')}</p>
      </section>
      <form className="card form-card" onSubmit={submit} noValidate>
        <Field label={t('auth.phone')} hint={me.phone} error={errors.phone}>
          {(p) => <PhoneInput field={p} value={phone} onValue={setPhone} autoComplete="tel" />}
        </Field>
        <SendCodeButton
          phone={compactPhone(phone)}
          purpose="verify"
          valid={phoneValid}
          onError={(err) => setErrors({ form: errorMessage(t, err) })}
        />
        <Field label={t('phone.code')} hint={t('phone.codeHint')} error={errors.code}>
          {(p) => <CodeInput field={p} value={code} onValue={setCode} />}
        </Field>
        {errors.form && <ErrorText>{errors.form}</ErrorText>}
        <SubmitButton busy={busy}>{t('phone.submit')}</SubmitButton>
        {onboarding && (
          <p className="center">
            <Link to={next} className="link-button">
              {t('common.later')}
            </Link>
          </p>
        )}
      </form>
    </div>
  );
}
