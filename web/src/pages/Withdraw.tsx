import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ApiError, api, MoneySubmission, money } from '../api.ts';
import { useMe } from '../auth.tsx';
import { PinSheet } from '../components/PinPad.tsx';
import {
  AmountInput,
  ErrorText,
  PageHeader,
  SubmitButton,
  VerifyNotice,
} from '../components/ui.tsx';
import { amountErrorMessage, errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { parseAmount, toDecimalString } from '../money.ts';
import { useToast } from '../toast.tsx';

export function WithdrawPage() {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const navigate = useNavigate();
  const toast = useToast();
  const submission = useRef(new MoneySubmission());
  const [amount, setAmount] = useState('');
  const [amountError, setAmountError] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [pinFor, setPinFor] = useState<number | null>(null);
  const wallet = useAsync(() => api.wallet(), [], { refreshOnWalletChange: true });
  const available = wallet.data?.balances.find((b) => b.currency === 'CNY')?.available;

  const send = async (value: number, pin?: string) => {
    const result = await money.withdraw(submission.current, {
      amount: value,
      ...(pin ? { pin } : {}),
    });
    walletChanged();
    toast(
      t(`withdraw.status.${result.status}`, { amount: f.money(result.amount, result.currency) }),
      result.status === 'failed' ? 'error' : 'success',
    );
    if (result.status !== 'failed') navigate('/', { replace: true });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const parsed = parseAmount(amount);
    if (!parsed.ok) {
      setAmountError(amountErrorMessage(t, parsed.error));
      return;
    }
    if (me.hasPin) {
      setPinFor(parsed.value);
      return;
    }
    setBusy(true);
    try {
      await send(parsed.value);
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };

  const onPin = async (pin: string) => {
    if (pinFor === null) return null;
    try {
      await send(pinFor, pin);
      setPinFor(null);
      return null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'pin_invalid') return errorMessage(t, err);
      setPinFor(null);
      setError(errorMessage(t, err));
      return null;
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('withdraw.title')} back />
      <VerifyNotice>{t('withdraw.verifyFirst')}</VerifyNotice>
      <form className="card form-card" onSubmit={submit} noValidate>
        <AmountInput
          label={t('withdraw.amount')}
          value={amount}
          onChange={(v) => {
            setAmount(v);
            setAmountError(undefined);
          }}
          error={amountError}
          autoFocus
          hint={
            available !== undefined ? (
              <span className="hint-row">
                {t('transfer.available', { amount: f.money(available) })}
                {available > 0 && (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => setAmount(toDecimalString(available))}
                  >
                    {t('withdraw.all')}
                  </button>
                )}
              </span>
            ) : undefined
          }
        />
        <p className="muted small">{t('withdraw.destination')}</p>
        {error && <ErrorText>{error}</ErrorText>}
        <SubmitButton busy={busy}>{t('withdraw.submit')}</SubmitButton>
      </form>
      <PinSheet
        open={pinFor !== null}
        title={t('pin.enterTitle')}
        summary={t('withdraw.pinSummary')}
        amount={pinFor !== null ? f.money(pinFor) : undefined}
        onComplete={onPin}
        onClose={() => setPinFor(null)}
      />
    </div>
  );
}
