import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { useAuth, useMe } from '../auth.tsx';
import { ShieldIcon } from '../components/icons.tsx';
import { ErrorText, Field, PageHeader, SubmitButton } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useToast } from '../toast.tsx';
import { safeNext } from './Login.tsx';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11643-1999: 17 digits and a check character; the server checks region and date too. */
export function idNumberProblem(raw: string): 'format' | 'check_digit' | undefined {
  const id = raw.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return 'format';
  const sum = WEIGHTS.reduce((s, w, i) => s + w * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17] ? undefined : 'check_digit';
}

export function VerifyPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { setMe } = useAuth();
  const toast = useToast();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const onboarding = params.get('onboarding') === '1';
  const next = safeNext(params.get('next'));
  const [realName, setRealName] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [errors, setErrors] = useState<{ realName?: string; idNumber?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: typeof errors = {};
    if (realName.trim().length < 2) found.realName = t('errors.fields.realName');
    const problem = idNumberProblem(idNumber);
    if (problem) found.idNumber = t(`errors.idNumber.${problem}`);
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const updated = await api.verify({
        realName: realName.trim(),
        idNumber: idNumber.trim().toUpperCase(),
      });
      setMe(updated);
      toast(t('verify.done'), 'success');
      if (!updated.hasPin) {
        navigate(
          `/me/pin?${onboarding ? 'onboarding=1&' : ''}next=${encodeURIComponent(onboarding ? next : '/me')}`,
          {
            replace: true,
          },
        );
      } else navigate(onboarding ? next : '/me', { replace: true });
    } catch (err) {
      setErrors({ form: errorMessage(t, err, { conflict: 'verify.identityTaken' }) });
      setBusy(false);
    }
  };

  // Real-name verification needs a verified phone first (the server refuses it otherwise).
  if (!me.verified && !me.phoneVerified) return <Navigate to={`/me/phone?${params}`} replace />;

  if (me.verified && me.verification) {
    const v = me.verification;
    return (
      <div className="page">
        <PageHeader title={t('verify.title')} back />
        <section className="card verified-card">
          <div className="verified-badge" aria-hidden="true">
            <ShieldIcon size={32} />
          </div>
          <h2 className="receipt-status">{t('verify.verified')}</h2>
          <dl className="details">
            <div>
              <dt>{t('verify.realName')}</dt>
              <dd>{v.realName}</dd>
            </div>
            <div>
              <dt>{t('verify.idNumber')}</dt>
              <dd className="mono">{v.idNumber}</dd>
            </div>
            <div>
              <dt>{t('verify.birthDate')}</dt>
              <dd>{v.birthDate}</dd>
            </div>
            <div>
              <dt>{t('verify.gender')}</dt>
              <dd>{t(`verify.genders.${v.gender}`, { defaultValue: v.gender })}</dd>
            </div>
          </dl>
        </section>
      </div>
    );
  }

  return (
    <div className="page">
      <PageHeader title={t('verify.title')} back={onboarding ? undefined : true} />
      <section className="intro">
        <span className="intro-icon" aria-hidden="true">
          <ShieldIcon size={28} />
        </span>
        <p>{t('verify.intro')}</p>
      </section>
      <form className="card form-card" onSubmit={submit} noValidate>
        <Field label={t('verify.realName')} error={errors.realName}>
          {(p) => (
            <input
              {...p}
              name="realName"
              autoComplete="name"
              maxLength={30}
              value={realName}
              onChange={(e) => setRealName(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('verify.idNumber')} hint={t('verify.idHint')} error={errors.idNumber}>
          {(p) => (
            <input
              {...p}
              name="idNumber"
              autoComplete="off"
              inputMode="text"
              maxLength={18}
              spellCheck={false}
              value={idNumber}
              onChange={(e) => setIdNumber(e.target.value.toUpperCase())}
            />
          )}
        </Field>
        <p className="muted small">{t('verify.privacy')}</p>
        {errors.form && <ErrorText>{errors.form}</ErrorText>}
        <SubmitButton busy={busy}>{t('verify.submit')}</SubmitButton>
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
