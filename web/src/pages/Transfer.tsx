import { type ChangeEvent, type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, MoneySubmission, money, type Transfer, type Visibility } from '../api.ts';
import { useAuth, useMe } from '../auth.tsx';
import { CloseIcon, QrIcon } from '../components/icons.tsx';
import { compactPhone, PhoneInput, validPhone } from '../components/PhoneInput.tsx';
import { PinSheet } from '../components/PinPad.tsx';
import {
  AmountInput,
  ErrorText,
  Field,
  PageHeader,
  SubmitButton,
  VerifyNotice,
} from '../components/ui.tsx';
import { amountErrorMessage, errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { maskPhone, useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { parseAmount } from '../money.ts';
import { decodeQrImage, parseReceiveLink, type ReceiveTarget } from '../qr.ts';
import { threadReturn } from './chat-api.ts';
import { payableFamilyLinks } from './Family.tsx';
import type { FamilyTransferInput } from './money-api.ts';
import { social } from './social-api.ts';

const VISIBILITIES: Visibility[] = ['public', 'friends', 'private'];
const TRANSFER_ERRORS = { not_found: 'transfer.errors.noReceiver' } as const;
const FAMILY_ERRORS = {
  ...TRANSFER_ERRORS,
  limit_exceeded: 'family.errors.overLimit',
  insufficient_funds: 'family.errors.payerShort',
  conflict: 'family.errors.ended',
} as const;

export interface ReceiptState {
  transfer: Transfer;
  receiverLabel: string;
}

export function TransferPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { refresh } = useAuth();
  const f = useFormat();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const submission = useRef(new MoneySubmission());
  const fileInput = useRef<HTMLInputElement>(null);
  const visibilityId = useId();

  const fromLink = parseReceiveLink(window.location.href);
  const [target, setTarget] = useState<ReceiveTarget | null>(params.get('to') ? fromLink : null);
  const [phone, setPhone] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('friends');
  const visibilityChosen = useRef(false);
  // Starts at the user's own default (privacy settings) unless they picked one already.
  useEffect(() => {
    let live = true;
    social
      .privacy()
      .then((p) => {
        if (live && !visibilityChosen.current) setVisibility(p.defaultPaymentVisibility);
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, []);
  const [waitForAcceptance, setWaitForAcceptance] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<{ phone?: string; amount?: string }>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [pinFor, setPinFor] = useState<FamilyTransferInput | null>(null);
  // Members of a family link may pay from the payer's wallet, within this month's limit.
  const family = useAsync(() => payableFamilyLinks(), []);
  const [familyLinkId, setFamilyLinkId] = useState(params.get('family') ?? '');
  const familyLink = family.data?.find((l) => l.id === familyLinkId);
  const sourceId = useId();
  const wallet = useAsync(() => api.wallet(), [], { refreshOnWalletChange: true });
  const available = wallet.data?.balances.find((b) => b.currency === 'CNY')?.available;

  const receiverLabel = target ? target.name || t('transfer.qrReceiver') : maskPhone(phone);

  const send = async (body: FamilyTransferInput): Promise<void> => {
    const transfer = await money.transfer(submission.current, body);
    walletChanged();
    const state: ReceiptState = { transfer, receiverLabel };
    // Sent from a thread: back to it, where the transfer now shows as a card.
    const thread = threadReturn(params);
    if (thread) navigate(thread, { replace: true });
    else navigate(`/receipt/${transfer.id}`, { replace: true, state });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const errors: typeof fieldErrors = {};
    if (!target && !validPhone(phone)) errors.phone = t('auth.errors.phone');
    const parsed = parseAmount(amount);
    if (!parsed.ok) errors.amount = amountErrorMessage(t, parsed.error);
    setFieldErrors(errors);
    if (Object.keys(errors).length || !parsed.ok) return;
    const body: FamilyTransferInput = {
      to: target ? { userId: target.userId } : { phone: compactPhone(phone) },
      amount: parsed.value,
      visibility,
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(waitForAcceptance && !familyLink ? { requireAcceptance: true } : {}),
      ...(familyLink ? { fundingSource: { familyLinkId: familyLink.id } } : {}),
    };
    if (me.hasPin) {
      setPinFor(body);
      return;
    }
    setBusy(true);
    try {
      await send(body);
    } catch (err) {
      setError(errorMessage(t, err, familyLink ? FAMILY_ERRORS : TRANSFER_ERRORS));
      setBusy(false);
    }
  };

  const onPin = async (pin: string): Promise<string | null> => {
    if (!pinFor) return null;
    try {
      await send({ ...pinFor, pin });
      return null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'pin_invalid') return errorMessage(t, err);
      setPinFor(null);
      setError(errorMessage(t, err, familyLink ? FAMILY_ERRORS : TRANSFER_ERRORS));
      if (err instanceof ApiError && err.code === 'pin_required') void refresh();
      return null;
    }
  };

  const onQrFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(undefined);
    try {
      const text = await decodeQrImage(file);
      const found = text ? parseReceiveLink(text) : null;
      if (!found) {
        setError(t('transfer.errors.qrUnreadable'));
        return;
      }
      if (found.userId === me.id) {
        setError(t('errors.fields.to'));
        return;
      }
      setTarget(found);
      setFieldErrors((x) => ({ ...x, phone: undefined }));
    } catch {
      setError(t('transfer.errors.qrUnreadable'));
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('transfer.title')} back />
      <VerifyNotice>{t('transfer.verifyFirst')}</VerifyNotice>
      <form className="card form-card" onSubmit={submit} noValidate>
        {target ? (
          <div className="field">
            <span className="label">{t('transfer.to')}</span>
            <div className="recipient-chip">
              <span className="avatar avatar-small" aria-hidden="true">
                {(target.name || '?').slice(0, 1)}
              </span>
              <span className="recipient-name">{receiverLabel}</span>
              <button
                type="button"
                className="icon-button"
                onClick={() => setTarget(null)}
                aria-label={t('transfer.clearReceiver')}
              >
                <CloseIcon size={18} />
              </button>
            </div>
            <p className="field-hint">{t('transfer.qrNameHint')}</p>
          </div>
        ) : (
          <div className="recipient-row">
            <Field label={t('transfer.toPhone')} error={fieldErrors.phone}>
              {(p) => (
                <PhoneInput
                  field={p}
                  value={phone}
                  onValue={(v) => {
                    setPhone(v);
                    setFieldErrors((x) => ({ ...x, phone: undefined }));
                  }}
                />
              )}
            </Field>
            <button
              type="button"
              className="scan-button"
              onClick={() => fileInput.current?.click()}
              aria-label={t('transfer.scanQr')}
              title={t('transfer.scanQr')}
            >
              <QrIcon />
            </button>
            <input
              ref={fileInput}
              type="file"
              accept="image/*"
              className="visually-hidden"
              tabIndex={-1}
              aria-hidden="true"
              onChange={(e) => void onQrFile(e)}
            />
          </div>
        )}
        {family.data && family.data.length > 0 && (
          <fieldset className="field">
            <legend id={sourceId}>{t('family.payFrom')}</legend>
            <div className="source-choices">
              <label className={`source-choice${familyLink ? '' : ' source-choice-on'}`}>
                <input
                  type="radio"
                  name="source"
                  value=""
                  checked={!familyLink}
                  onChange={() => setFamilyLinkId('')}
                />
                <span className="source-main">
                  <span className="source-name">{t('family.myWallet')}</span>
                  {available !== undefined && (
                    <span className="source-sub">
                      {t('transfer.available', { amount: f.money(available) })}
                    </span>
                  )}
                </span>
              </label>
              {family.data.map((l) => (
                <label
                  key={l.id}
                  className={`source-choice${familyLink?.id === l.id ? ' source-choice-on' : ''}`}
                >
                  <input
                    type="radio"
                    name="source"
                    value={l.id}
                    checked={familyLink?.id === l.id}
                    onChange={() => setFamilyLinkId(l.id)}
                  />
                  <span className="source-main">
                    <span className="source-name">
                      {t('family.accountOf', { name: l.payerNickname })}
                    </span>
                    <span className="source-sub">
                      {t('family.remaining', { amount: f.money(l.remainingThisMonth, l.currency) })}
                    </span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <AmountInput
          label={t('transfer.amount')}
          value={amount}
          onChange={(v) => {
            setAmount(v);
            setFieldErrors((x) => ({ ...x, amount: undefined }));
          }}
          error={fieldErrors.amount}
          hint={
            familyLink
              ? t('family.remaining', {
                  amount: f.money(familyLink.remainingThisMonth, familyLink.currency),
                })
              : available !== undefined
                ? t('transfer.available', { amount: f.money(available) })
                : undefined
          }
        />
        <Field label={t('transfer.note')}>
          {(p) => (
            <input
              {...p}
              name="note"
              maxLength={100}
              placeholder={t('transfer.notePlaceholder')}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          )}
        </Field>
        <fieldset className="field segmented-field">
          <legend id={visibilityId}>{t('transfer.visibility')}</legend>
          <div className="segmented">
            {VISIBILITIES.map((v) => (
              <label key={v} className={`segment${visibility === v ? ' segment-on' : ''}`}>
                <input
                  type="radio"
                  name="visibility"
                  value={v}
                  checked={visibility === v}
                  onChange={() => {
                    visibilityChosen.current = true;
                    setVisibility(v);
                  }}
                />
                <span>{t(`visibility.${v}`)}</span>
              </label>
            ))}
          </div>
          <p className="field-hint">{t(`visibility.${visibility}Hint`)}</p>
        </fieldset>
        {!familyLink && (
          <label className="check">
            <input
              type="checkbox"
              name="requireAcceptance"
              checked={waitForAcceptance}
              onChange={(e) => setWaitForAcceptance(e.target.checked)}
            />
            <span>
              <span className="check-label">{t('transfer.waitForAcceptance')}</span>
              <span className="field-hint">{t('transfer.waitForAcceptanceHint')}</span>
            </span>
          </label>
        )}
        {error && <ErrorText>{error}</ErrorText>}
        <SubmitButton busy={busy}>{t('transfer.submit')}</SubmitButton>
        {!me.hasPin && me.verified && (
          <p className="muted small center">
            <Link to="/me/pin">{t('transfer.setPinSuggestion')}</Link>
          </p>
        )}
      </form>
      <PinSheet
        open={pinFor !== null}
        title={t('pin.enterTitle')}
        summary={
          familyLink
            ? t('family.pinPay', { name: receiverLabel, payer: familyLink.payerNickname })
            : t('transfer.pinSummary', { name: receiverLabel })
        }
        amount={pinFor ? f.money(pinFor.amount) : undefined}
        onComplete={onPin}
        onClose={() => setPinFor(null)}
      />
    </div>
  );
}
