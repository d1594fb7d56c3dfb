import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { MoneySubmission, money } from '../api.ts';
import { AmountInput, ErrorText, PageHeader, SubmitButton } from '../components/ui.tsx';
import { amountErrorMessage, errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { parseAmount, toDecimalString } from '../money.ts';
import { useToast } from '../toast.tsx';

const PRESETS = [5000, 10000, 50000, 100000];

export function TopUpPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const toast = useToast();
  const submission = useRef(new MoneySubmission());
  const [amount, setAmount] = useState('');
  const [amountError, setAmountError] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const parsed = parseAmount(amount);
    if (!parsed.ok) {
      setAmountError(amountErrorMessage(t, parsed.error));
      return;
    }
    setAmountError(undefined);
    setBusy(true);
    try {
      const result = await money.topUp(submission.current, { amount: parsed.value });
      walletChanged();
      toast(t('topup.done', { amount: f.money(result.amount, result.currency) }), 'success');
      navigate('/', { replace: true });
    } catch (err) {
      setError(errorMessage(t, err, { validation_error: 'topup.tooLarge' }));
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('topup.title')} back />
      <form className="card form-card" onSubmit={submit} noValidate>
        <AmountInput
          label={t('topup.amount')}
          value={amount}
          onChange={(v) => {
            setAmount(v);
            setAmountError(undefined);
          }}
          error={amountError}
          autoFocus
        />
        <fieldset className="chips">
          <legend className="visually-hidden">{t('topup.presets')}</legend>
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              className="chip-button"
              onClick={() => {
                setAmount(toDecimalString(p));
                setAmountError(undefined);
              }}
            >
              {f.money(p, 'CNY')}
            </button>
          ))}
        </fieldset>
        <p className="muted small">{t('topup.source')}</p>
        {error && <ErrorText>{error}</ErrorText>}
        <SubmitButton busy={busy}>{t('topup.submit')}</SubmitButton>
      </form>
    </div>
  );
}
