import { type FormEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useAuth, useMe } from '../auth.tsx';
import { CloseIcon } from '../components/icons.tsx';
import { PinSheet } from '../components/PinPad.tsx';
import { GroupIcon } from '../components/social-icons.tsx';
import { Avatar } from '../components/social-ui.tsx';
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
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { parseAmount } from '../money.ts';
import { threadReturn } from './chat-api.ts';
import {
  type Audience,
  type RedPacketKind,
  redPacketMoney,
  type SendRedPacketInput,
  social,
} from './social-api.ts';

/** The server's limit on shares per envelope (config `HEBAO_REDPACKET_MAX_COUNT`, default 100). */
const MAX_COUNT = 100;
const SEND_ERRORS = {
  not_found: 'sendRedPacket.errors.noReceiver',
  blocked: 'sendRedPacket.errors.blocked',
  content_rejected: 'sendRedPacket.errors.greeting',
} as const;

type Target = { kind: 'person' | 'group'; id: string; name: string };

function targetFrom(params: URLSearchParams): Target | null {
  const name = (params.get('name') ?? '').slice(0, 50);
  const to = params.get('to');
  if (to) return { kind: 'person', id: to, name };
  const group = params.get('group');
  if (group) return { kind: 'group', id: group, name };
  return null;
}

/** Picks a friend or one of my groups when the form was opened without a receiver. */
function TargetPicker({ onPick }: { onPick: (target: Target) => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<'person' | 'group'>('group');
  const options = useAsync(
    async () =>
      kind === 'person'
        ? (await social.friends(undefined, 100)).items.map((f) => ({
            id: f.userId,
            name: f.nickname,
          }))
        : (await social.groups(undefined, 100)).items.map((g) => ({ id: g.id, name: g.name })),
    [kind],
  );
  return (
    <div className="field target-picker">
      <fieldset className="field segmented-field">
        <legend>{t('sendRedPacket.to')}</legend>
        <div className="segmented">
          {(['group', 'person'] as const).map((k) => (
            <label key={k} className={`segment${kind === k ? ' segment-on' : ''}`}>
              <input
                type="radio"
                name="targetKind"
                value={k}
                checked={kind === k}
                onChange={() => setKind(k)}
              />
              <span>{t(`sendRedPacket.toKind.${k}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {options.error ? (
        <ErrorText>{errorMessage(t, options.error)}</ErrorText>
      ) : options.data && options.data.length === 0 ? (
        <p className="muted small">
          {kind === 'group' ? t('sendRedPacket.noGroups') : t('sendRedPacket.noFriends')}{' '}
          <Link to={kind === 'group' ? '/groups/new?next=red-packet' : '/friends/add'}>
            {kind === 'group' ? t('groups.create') : t('friends.add')}
          </Link>
        </p>
      ) : (
        <Field
          label={kind === 'group' ? t('sendRedPacket.pickGroup') : t('sendRedPacket.pickFriend')}
        >
          {(p) => (
            <select
              {...p}
              value=""
              disabled={!options.data}
              onChange={(e) => {
                const found = options.data?.find((o) => o.id === e.target.value);
                if (found) onPick({ kind, ...found });
              }}
            >
              <option value="">
                {options.data ? t('sendRedPacket.choose') : t('common.loading')}
              </option>
              {options.data?.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {kind === 'group' && options.data && options.data.length > 0 && (
        <Link to="/groups/new?next=red-packet" className="link-button">
          {t('groups.create')}
        </Link>
      )}
    </div>
  );
}

/** Send a red envelope: lucky (拼手气) or fixed (普通), to a friend or a group, with the PIN. */
export function SendRedPacketPage() {
  const { t } = useTranslation();
  const me = useMe();
  const { refresh } = useAuth();
  const f = useFormat();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const submission = useRef(new MoneySubmission());
  const kindId = useId();
  const [target, setTarget] = useState<Target | null>(() => targetFrom(params));
  const [kind, setKind] = useState<RedPacketKind>('lucky');
  const [count, setCount] = useState('');
  const [amount, setAmount] = useState('');
  const [greeting, setGreeting] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ count?: string; amount?: string }>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [pinFor, setPinFor] = useState<SendRedPacketInput | null>(null);
  const toGroup = target?.kind === 'group';
  const group = useAsync(
    () => (target?.kind === 'group' ? social.group(target.id) : Promise.resolve(null)),
    [target?.kind, target?.id],
  );
  const members = group.data?.members.length;
  const effectiveKind: RedPacketKind = toGroup ? kind : 'fixed';

  const parsedCount = toGroup ? Number(count) : 1;
  const parsedAmount = parseAmount(amount);
  const total =
    parsedAmount.ok && Number.isSafeInteger(parsedCount) && parsedCount > 0
      ? effectiveKind === 'lucky'
        ? parsedAmount.value
        : parsedAmount.value * parsedCount
      : 0;
  const targetName =
    target?.name || (toGroup ? group.data?.name : '') || t('sendRedPacket.someone');

  const send = async (body: SendRedPacketInput) => {
    const sent = await redPacketMoney.send(submission.current, body);
    walletChanged();
    navigate(threadReturn(params) ?? `/red-packets/${sent.id}`, { replace: true });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    if (!target) {
      setError(t('sendRedPacket.errors.noTarget'));
      return;
    }
    const errors: typeof fieldErrors = {};
    if (toGroup) {
      const limit = Math.min(MAX_COUNT, members ?? MAX_COUNT);
      if (!/^\d+$/.test(count.trim()) || parsedCount < 1 || parsedCount > limit) {
        errors.count = t('sendRedPacket.errors.count', { max: limit });
      }
    }
    if (!parsedAmount.ok) errors.amount = amountErrorMessage(t, parsedAmount.error);
    else if (effectiveKind === 'lucky' && !errors.count && parsedAmount.value < parsedCount) {
      errors.amount = t('sendRedPacket.errors.tooSmall');
    }
    setFieldErrors(errors);
    if (Object.keys(errors).length || !parsedAmount.ok) return;
    const to: Audience = toGroup ? { groupId: target.id } : { userId: target.id };
    const body: SendRedPacketInput = {
      kind: effectiveKind,
      count: parsedCount,
      ...(effectiveKind === 'lucky'
        ? { totalAmount: parsedAmount.value }
        : { amountEach: parsedAmount.value }),
      ...(greeting.trim() ? { greeting: greeting.trim() } : {}),
      to,
    };
    if (me.hasPin) {
      setPinFor(body);
      return;
    }
    setBusy(true);
    try {
      await send(body);
    } catch (err) {
      setError(errorMessage(t, err, SEND_ERRORS));
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
      setError(errorMessage(t, err, SEND_ERRORS));
      if (err instanceof ApiError && err.code === 'pin_required') void refresh();
      return null;
    }
  };

  return (
    <div className="page red-page">
      <PageHeader title={t('sendRedPacket.title')} back />
      <VerifyNotice>{t('sendRedPacket.verifyFirst')}</VerifyNotice>
      <form className="card form-card red-form" onSubmit={submit} noValidate>
        {target ? (
          <div className="field">
            <span className="label">{t('sendRedPacket.to')}</span>
            <div className="recipient-chip">
              {toGroup ? (
                <span className="group-avatar group-avatar-small" aria-hidden="true">
                  <GroupIcon size={18} />
                </span>
              ) : (
                <Avatar name={targetName} id={target.id} size="small" />
              )}
              <span className="recipient-name">
                {targetName}
                {toGroup && members !== undefined && (
                  <span className="muted small"> · {t('groups.members', { count: members })}</span>
                )}
              </span>
              <button
                type="button"
                className="icon-button"
                onClick={() => setTarget(null)}
                aria-label={t('sendRedPacket.changeTarget')}
              >
                <CloseIcon size={18} />
              </button>
            </div>
          </div>
        ) : (
          <TargetPicker onPick={setTarget} />
        )}
        {toGroup && (
          <fieldset className="field segmented-field">
            <legend id={kindId}>{t('sendRedPacket.kind')}</legend>
            <div className="segmented">
              {(['lucky', 'fixed'] as const).map((k) => (
                <label key={k} className={`segment${kind === k ? ' segment-on' : ''}`}>
                  <input
                    type="radio"
                    name="kind"
                    value={k}
                    checked={kind === k}
                    onChange={() => setKind(k)}
                  />
                  <span>{t(`redpacket.kind.${k}`)}</span>
                </label>
              ))}
            </div>
            <p className="field-hint">{t(`sendRedPacket.kindHint.${kind}`)}</p>
          </fieldset>
        )}
        {toGroup && (
          <Field
            label={t('sendRedPacket.count')}
            error={fieldErrors.count}
            hint={
              members !== undefined ? t('sendRedPacket.countHint', { count: members }) : undefined
            }
          >
            {(p) => (
              <input
                {...p}
                name="count"
                inputMode="numeric"
                autoComplete="off"
                placeholder={t('sendRedPacket.countPlaceholder')}
                value={count}
                onChange={(e) => {
                  setCount(e.target.value);
                  setFieldErrors((x) => ({ ...x, count: undefined }));
                }}
              />
            )}
          </Field>
        )}
        <AmountInput
          label={
            !toGroup
              ? t('sendRedPacket.amount')
              : kind === 'lucky'
                ? t('sendRedPacket.total')
                : t('sendRedPacket.each')
          }
          value={amount}
          onChange={(v) => {
            setAmount(v);
            setFieldErrors((x) => ({ ...x, amount: undefined }));
          }}
          error={fieldErrors.amount}
        />
        <Field label={t('sendRedPacket.greeting')}>
          {(p) => (
            <input
              {...p}
              name="greeting"
              maxLength={50}
              placeholder={t('redpacket.defaultGreeting')}
              value={greeting}
              onChange={(e) => setGreeting(e.target.value)}
            />
          )}
        </Field>
        <p className="red-total" aria-live="polite">
          <span className="visually-hidden">{t('sendRedPacket.totalLabel')}</span>
          {f.money(total)}
        </p>
        {error && <ErrorText>{error}</ErrorText>}
        <SubmitButton busy={busy} red>
          {t('sendRedPacket.submit')}
        </SubmitButton>
        <p className="muted small center">{t('sendRedPacket.refundHint')}</p>
      </form>
      <PinSheet
        open={pinFor !== null}
        title={t('pin.enterTitle')}
        summary={t('sendRedPacket.pinSummary', { name: targetName })}
        amount={pinFor ? f.money(total) : undefined}
        onComplete={onPin}
        onClose={() => setPinFor(null)}
      />
    </div>
  );
}
