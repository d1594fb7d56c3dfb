import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { Logo } from '../components/icons.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { compactPhone, PhoneInput, validPhone } from '../components/PhoneInput.tsx';
import { CodeInput, SendCodeButton } from '../components/SmsCode.tsx';
import { ErrorText, Field, SubmitButton } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useToast } from '../toast.tsx';

/** Only same-site paths: `?next=//evil.example` must not send the user away. */
export function safeNext(next: string | null): string {
  return next && /^\/(?!\/)/.test(next) ? next : '/';
}

function AuthLayout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="auth">
      <div className="auth-top">
        <LanguageSwitch />
      </div>
      <div className="auth-hero">
        <Logo size={64} />
        <p className="auth-brand">{t('app.name')}</p>
        <p className="auth-tagline">{t('app.tagline')}</p>
      </div>
      {children}
    </div>
  );
}

export function LoginPage() {
  const { t } = useTranslation();
  const { refresh } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ phone?: string; password?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const next: typeof errors = {};
    if (!validPhone(phone)) next.phone = t('auth.errors.phone');
    if (!password) next.password = t('auth.errors.passwordRequired');
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      await api.login({ phone: compactPhone(phone), password });
      await refresh();
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setErrors({
        form: errorMessage(t, err, {
          unauthorized: 'auth.errors.wrongCredentials',
          rate_limited: 'auth.errors.tooManyTries',
        }),
      });
      setBusy(false);
    }
  };

  return (
    <AuthLayout>
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1 className="auth-title">{t('auth.loginTitle')}</h1>
        <Field label={t('auth.phone')} error={errors.phone}>
          {(p) => <PhoneInput field={p} value={phone} onValue={setPhone} autoComplete="tel" />}
        </Field>
        <Field label={t('auth.password')} error={errors.password}>
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {errors.form && <ErrorText>{errors.form}</ErrorText>}
        <SubmitButton busy={busy} busyLabel={t('auth.loggingIn')}>
          {t('auth.login')}
        </SubmitButton>
        <p className="center">
          <Link to="/reset-password" className="link-button">
            {t('auth.forgotPassword')}
          </Link>
        </p>
        <p className="auth-switch">
          {t('auth.noAccount')}{' '}
          <Link
            to={`/register${params.get('next') ? `?next=${encodeURIComponent(params.get('next')!)}` : ''}`}
          >
            {t('auth.register')}
          </Link>
        </p>
      </form>
    </AuthLayout>
  );
}

export function RegisterPage() {
  const { t } = useTranslation();
  const { refresh } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [phone, setPhone] = useState('');
  const [nickname, setNickname] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{
    phone?: string;
    nickname?: string;
    password?: string;
    form?: string;
  }>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const next: typeof errors = {};
    if (!validPhone(phone)) next.phone = t('auth.errors.phone');
    if (!nickname.trim()) next.nickname = t('auth.errors.nickname');
    if (password.length < 8) next.password = t('auth.errors.passwordShort');
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      await api.register({
        phone: compactPhone(phone),
        password,
        nickname: nickname.trim(),
      });
      await refresh();
      // New accounts prove their phone, then go through real-name verification and the PIN
      // (each can be skipped). The number typed here is carried over to the phone step.
      navigate(`/me/phone?onboarding=1&next=${encodeURIComponent(safeNext(params.get('next')))}`, {
        replace: true,
        state: { phone: compactPhone(phone) },
      });
    } catch (err) {
      setErrors({ form: errorMessage(t, err, { conflict: 'auth.errors.phoneTaken' }) });
      setBusy(false);
    }
  };

  return (
    <AuthLayout>
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1 className="auth-title">{t('auth.registerTitle')}</h1>
        <Field label={t('auth.phone')} error={errors.phone}>
          {(p) => <PhoneInput field={p} value={phone} onValue={setPhone} autoComplete="tel" />}
        </Field>
        <Field label={t('auth.nickname')} error={errors.nickname}>
          {(p) => (
            <input
              {...p}
              name="nickname"
              autoComplete="nickname"
              maxLength={30}
              value={nickname}
              onChange={(e) => setNickname(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('auth.password')} hint={t('auth.passwordHint')} error={errors.password}>
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {errors.form && <ErrorText>{errors.form}</ErrorText>}
        <SubmitButton busy={busy} busyLabel={t('auth.registering')}>
          {t('auth.register')}
        </SubmitButton>
        <p className="auth-switch">
          {t('auth.haveAccount')} <Link to="/login">{t('auth.login')}</Link>
        </p>
      </form>
    </AuthLayout>
  );
}

/** "Forgot password": a code texted to the phone sets a new password (every device is logged out). */
export function ResetPasswordPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const navigate = useNavigate();
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{
    phone?: string;
    code?: string;
    password?: string;
    form?: string;
  }>({});
  const [busy, setBusy] = useState(false);

  const phoneValid = () => {
    const ok = validPhone(phone);
    setErrors(ok ? {} : { phone: t('auth.errors.phone') });
    return ok;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const next: typeof errors = {};
    if (!validPhone(phone)) next.phone = t('auth.errors.phone');
    if (!/^\d{6}$/.test(code)) next.code = t('errors.fields.code');
    if (password.length < 8) next.password = t('auth.errors.passwordShort');
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      await api.resetPassword({ phone: compactPhone(phone), code, newPassword: password });
      toast(t('reset.done'), 'success');
      navigate('/login', { replace: true });
    } catch (err) {
      setErrors({ form: errorMessage(t, err) });
      setBusy(false);
    }
  };

  return (
    <AuthLayout>
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1 className="auth-title">{t('reset.title')}</h1>
        <p className="muted small">{t('reset.intro')}</p>
        <Field label={t('auth.phone')} error={errors.phone}>
          {(p) => <PhoneInput field={p} value={phone} onValue={setPhone} autoComplete="tel" />}
        </Field>
        <SendCodeButton
          phone={compactPhone(phone)}
          purpose="reset"
          valid={phoneValid}
          onError={(err) => setErrors({ form: errorMessage(t, err) })}
        />
        <Field label={t('phone.code')} hint={t('phone.codeHint')} error={errors.code}>
          {(p) => <CodeInput field={p} value={code} onValue={setCode} />}
        </Field>
        <Field label={t('reset.newPassword')} hint={t('auth.passwordHint')} error={errors.password}>
          {(p) => (
            <input
              {...p}
              name="new-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {errors.form && <ErrorText>{errors.form}</ErrorText>}
        <SubmitButton busy={busy}>{t('reset.submit')}</SubmitButton>
        <p className="auth-switch">
          <Link to="/login">{t('auth.login')}</Link>
        </p>
      </form>
    </AuthLayout>
  );
}
