import { type FormEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useMe } from '../auth.tsx';
import { ChevronIcon, PlusIcon } from '../components/icons.tsx';
import {
  FriendSelect,
  HistoryIcon,
  IouIcon,
  ProgressBar,
  Stat,
  Stats,
  useFriendOptions,
} from '../components/money-ui.tsx';
import { usePinGate } from '../components/PinGate.tsx';
import { formatDate } from '../components/social-format.ts';
import { RefreshIcon } from '../components/social-icons.tsx';
import { Avatar, PagedList } from '../components/social-ui.tsx';
import { formatPercent, parsePercent } from '../components/split.ts';
import {
  AmountInput,
  ConfirmSheet,
  EmptyState,
  ErrorText,
  Field,
  IconButton,
  IconLink,
  Loading,
  PageHeader,
  Sheet,
  SubmitButton,
  VerifyNotice,
} from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { amountErrorMessage, errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { parseAmount, toDecimalString } from '../money.ts';
import { useToast } from '../toast.tsx';
import { type Iou, type IouStatus, iouApi, iouMaxRateBps, iouMoney } from './money-api.ts';

const STATUS_TONE: Record<IouStatus, string> = {
  requested: 'chip-pending',
  active: 'chip-active',
  overdue: 'chip-failed',
  repaid: 'chip-completed',
  forgiven: 'chip-completed',
  declined: 'chip-refunded',
  cancelled: 'chip-refunded',
};

export function IouStatusChip({ status }: { status: IouStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`chip ${STATUS_TONE[status]}`} data-status={status}>
      {t(`iou.status.${status}`)}
    </span>
  );
}

/** `YYYY-MM-DD` of a local day, `plus` days from `from`. */
function isoDay(plus = 0, from = new Date()): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + plus);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Whole days from today to `day` (YYYY-MM-DD), by the calendar. */
function daysUntil(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = isoDay().split('-').map(Number) as [number, number, number];
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(ty, tm - 1, td)) / 86_400_000);
}

/**
 * Simple interest as the server accrues it: principal × bps × days / (10000 × 365), rounded
 * down to the minor unit (BigInt: the product can pass 2^53).
 */
export function interestFor(principal: number, rateBps: number, days: number): number {
  if (days <= 0 || principal <= 0 || rateBps <= 0) return 0;
  return Number((BigInt(principal) * BigInt(rateBps) * BigInt(days)) / 3_650_000n);
}

/** The due date as the user's calendar shows it. */
function dueText(locale: string, day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  }).format(new Date(y, m - 1, d));
}

/** My IOUs: what I borrowed and what I lent, with their state. */
export function IousPage() {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const side = params.get('side') === 'lent' ? 'lent' : 'borrowed';
  const list = usePaged(
    (cursor) => iouApi.list(side === 'lent' ? 'lender' : 'borrower', cursor),
    (x) => x.id,
    [side],
  );
  return (
    <div className="page">
      <PageHeader
        title={t('iou.title')}
        back
        right={
          <IconLink to="/ious/new" label={t('iou.request')}>
            <PlusIcon />
          </IconLink>
        }
      />
      <fieldset className="segmented box-switch">
        <legend className="visually-hidden">{t('iou.sides')}</legend>
        {(['borrowed', 'lent'] as const).map((s) => (
          <label key={s} className={`segment${side === s ? ' segment-on' : ''}`}>
            <input
              type="radio"
              name="side"
              value={s}
              checked={side === s}
              onChange={() => setParams({ side: s }, { replace: true })}
            />
            <span>{t(`iou.side.${s}`)}</span>
          </label>
        ))}
      </fieldset>
      <section className="card" aria-label={t(`iou.side.${side}`)}>
        <PagedList
          list={list}
          showEnd
          empty={
            <EmptyState
              title={t(`iou.empty.${side}`)}
              hint={t('iou.emptyHint')}
              icon={<IouIcon size={36} />}
            >
              {side === 'borrowed' && (
                <Link to="/ious/new" className="button button-secondary button-small">
                  {t('iou.request')}
                </Link>
              )}
            </EmptyState>
          }
        >
          <ul className="people-list" data-testid="ious">
            {list.items.map((x) => {
              const other =
                side === 'lent'
                  ? { id: x.borrowerId, name: x.borrowerNickname }
                  : { id: x.lenderId, name: x.lenderNickname };
              return (
                <li key={x.id}>
                  <Link to={`/ious/${x.id}`} className="person-row">
                    <Avatar name={other.name} id={other.id} />
                    <span className="person-main">
                      <span className="person-name">
                        {t(side === 'lent' ? 'iou.lentTo' : 'iou.borrowedFrom', {
                          name: other.name,
                        })}
                      </span>
                      <span className="person-sub">{x.purpose}</span>
                      <span className="person-time">
                        {t('iou.due', { date: dueText(i18n.language, x.dueDate) })}
                      </span>
                    </span>
                    <span className="claim-side">
                      <span className="claim-amount">{f.money(x.principal, x.currency)}</span>
                      <IouStatusChip status={x.status} />
                    </span>
                    <ChevronIcon size={18} />
                  </Link>
                </li>
              );
            })}
          </ul>
        </PagedList>
      </section>
    </div>
  );
}

const REQUEST_ERRORS = {
  forbidden: 'iou.errors.notFriend',
  blocked: 'iou.errors.blocked',
  content_rejected: 'iou.errors.purposeRejected',
} as const;

/** Ask a friend for a loan: amount, yearly rate under the cap, due date and purpose. */
export function NewIouPage() {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const submission = useRef(new MoneySubmission());
  const friends = useFriendOptions();
  const cap = useAsync(() => iouMaxRateBps(), []);
  const maxBps = cap.data ?? 2400;
  const [lender, setLender] = useState('');
  const [amount, setAmount] = useState('');
  const [rate, setRate] = useState('');
  const [due, setDue] = useState(isoDay(30));
  const [purpose, setPurpose] = useState('');
  const [errors, setErrors] = useState<{
    lender?: string;
    amount?: string;
    rate?: string;
    due?: string;
    purpose?: string;
  }>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const parsed = parseAmount(amount);
  const rateText = rate.trim();
  const bps = rateText === '' || /^0+([.．]0*)?%?$/.test(rateText) ? 0 : parsePercent(rateText);
  const days = due ? daysUntil(due) : 0;
  const interest =
    parsed.ok && bps !== undefined && days > 0 ? interestFor(parsed.value, bps, days) : 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const found: typeof errors = {};
    if (!lender) found.lender = t('iou.errors.lender');
    if (!parsed.ok) found.amount = amountErrorMessage(t, parsed.error);
    if (bps === undefined) found.rate = t('iou.errors.rate');
    else if (bps > maxBps) found.rate = t('iou.errors.rateCap', { cap: formatPercent(maxBps) });
    if (!due || days <= 0) found.due = t('iou.errors.due');
    if (!purpose.trim()) found.purpose = t('iou.errors.purpose');
    setErrors(found);
    if (Object.keys(found).length || !parsed.ok || bps === undefined) return;
    setBusy(true);
    try {
      const created = await iouMoney.request(submission.current, {
        lenderId: lender,
        amount: parsed.value,
        annualRateBps: bps,
        dueDate: due,
        purpose: purpose.trim(),
      });
      navigate(`/ious/${created.id}`, { replace: true });
    } catch (err) {
      const field = err instanceof ApiError ? err.field : undefined;
      if (field === 'annualRateBps') {
        setErrors({ rate: t('iou.errors.rateCap', { cap: formatPercent(maxBps) }) });
      } else if (field === 'dueDate') {
        setErrors({ due: t('errors.fields.dueDate') });
      } else setError(errorMessage(t, err, REQUEST_ERRORS));
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('iou.requestTitle')} back />
      <VerifyNotice>{t('iou.verifyFirst')}</VerifyNotice>
      <form className="card form-card" onSubmit={submit} noValidate>
        <FriendSelect
          friends={friends}
          label={t('iou.lender')}
          name="lender"
          value={lender}
          error={errors.lender}
          onChange={(v) => {
            setLender(v);
            setErrors((x) => ({ ...x, lender: undefined }));
          }}
        />
        <AmountInput
          label={t('iou.amount')}
          value={amount}
          onChange={(v) => {
            setAmount(v);
            setErrors((x) => ({ ...x, amount: undefined }));
          }}
          error={errors.amount}
        />
        <div className="field-pair">
          <Field
            label={t('iou.rate')}
            hint={t('iou.rateCap', { cap: formatPercent(maxBps) })}
            error={errors.rate}
          >
            {(p) => (
              <div className="suffix-input">
                <input
                  {...p}
                  name="rate"
                  inputMode="decimal"
                  autoComplete="off"
                  placeholder="0"
                  value={rate}
                  onChange={(e) => {
                    setRate(e.target.value);
                    setErrors((x) => ({ ...x, rate: undefined }));
                  }}
                />
                <span aria-hidden="true">%</span>
              </div>
            )}
          </Field>
          <Field label={t('iou.dueDate')} error={errors.due}>
            {(p) => (
              <input
                {...p}
                type="date"
                name="dueDate"
                min={isoDay(1)}
                value={due}
                onChange={(e) => {
                  setDue(e.target.value);
                  setErrors((x) => ({ ...x, due: undefined }));
                }}
              />
            )}
          </Field>
        </div>
        <Field label={t('iou.purpose')} error={errors.purpose}>
          {(p) => (
            <input
              {...p}
              name="purpose"
              maxLength={100}
              placeholder={t('iou.purposePlaceholder')}
              value={purpose}
              onChange={(e) => {
                setPurpose(e.target.value);
                setErrors((x) => ({ ...x, purpose: undefined }));
              }}
            />
          )}
        </Field>
        <div className="iou-preview" aria-live="polite">
          <p className="iou-preview-title">{t('iou.preview')}</p>
          {parsed.ok && days > 0 && bps !== undefined ? (
            <dl className="details details-compact">
              <div>
                <dt>{t('iou.term')}</dt>
                <dd>
                  {t('iou.days', { count: days })} · {dueText(i18n.language, due)}
                </dd>
              </div>
              <div>
                <dt>{t('iou.interestAtDue')}</dt>
                <dd data-testid="interest-preview">{f.money(interest)}</dd>
              </div>
              <div>
                <dt>{t('iou.totalAtDue')}</dt>
                <dd className="strong">{f.money(parsed.value + interest)}</dd>
              </div>
            </dl>
          ) : (
            <p className="muted small">{t('iou.previewNone')}</p>
          )}
        </div>
        {error && <ErrorText>{error}</ErrorText>}
        <SubmitButton busy={busy}>{t('iou.requestSubmit')}</SubmitButton>
        <p className="muted small center">{t('iou.requestFootnote')}</p>
      </form>
    </div>
  );
}

type Confirm = 'decline' | 'cancel' | 'forgive';

/** One IOU: its terms, what is owed now, repayments, and what each side may do next. */
export function IouPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const toast = useToast();
  const { id = '' } = useParams();
  const iou = useAsync(() => iouApi.iou(id), [id], { refreshOnWalletChange: true });
  const { reload } = iou;
  const submission = useRef(new MoneySubmission());
  const gate = usePinGate();
  const repayTitle = useId();
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [repaying, setRepaying] = useState(false);
  const [repayAmount, setRepayAmount] = useState('');
  const [repayError, setRepayError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const x = iou.data;
  const lender = x?.lenderId === me.id;
  const borrower = x?.borrowerId === me.id;
  const running = x?.status === 'active' || x?.status === 'overdue';

  const failed = (err: unknown) => {
    setError(errorMessage(t, err, { conflict: 'iou.errors.changed' }));
    reload();
  };

  const accept = (current: Iou) => {
    setError(undefined);
    void gate.ask({
      summary: t('iou.pinLend', { name: current.borrowerNickname }),
      amount: f.money(current.principal, current.currency),
      run: async (pin) => {
        await iouMoney.accept(submission.current, current.id, pin);
        walletChanged();
        toast(t('iou.accepted', { name: current.borrowerNickname }), 'success');
        reload();
      },
      onError: (err) => failed(err),
    });
  };

  const forgive = (current: Iou) => {
    setConfirm(null);
    setError(undefined);
    void gate.ask({
      summary: t('iou.pinForgive', { name: current.borrowerNickname }),
      amount: f.money(current.outstanding, current.currency),
      run: async (pin) => {
        await iouMoney.forgive(submission.current, current.id, pin);
        toast(t('iou.forgiven'), 'success');
        reload();
      },
      onError: failed,
    });
  };

  const answer = async (action: 'decline' | 'cancel') => {
    setBusy(true);
    setError(undefined);
    try {
      if (action === 'decline') await iouApi.decline(id);
      else await iouApi.cancel(id);
      toast(t(action === 'decline' ? 'iou.declinedToast' : 'iou.cancelledToast'), 'success');
      reload();
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };

  const repay = (e: FormEvent) => {
    e.preventDefault();
    if (!x) return;
    const parsed = parseAmount(repayAmount);
    if (!parsed.ok) {
      setRepayError(amountErrorMessage(t, parsed.error));
      return;
    }
    if (parsed.value > x.outstanding) {
      setRepayError(t('iou.errors.tooMuch', { amount: f.money(x.outstanding, x.currency) }));
      return;
    }
    const value = parsed.value;
    setRepaying(false);
    setError(undefined);
    void gate.ask({
      summary: t('iou.pinRepay', { name: x.lenderNickname }),
      amount: f.money(value, x.currency),
      run: async (pin) => {
        const r = await iouMoney.repay(submission.current, x.id, {
          amount: value,
          ...(pin ? { pin } : {}),
        });
        walletChanged();
        toast(
          r.status === 'repaid'
            ? t('iou.repaidAll')
            : t('iou.repaid', { amount: f.money(value, x.currency) }),
          'success',
        );
        reload();
      },
      onError: failed,
    });
  };

  const confirmText = {
    decline: { title: t('iou.declineTitle'), body: t('iou.declineBody'), label: t('iou.decline') },
    cancel: { title: t('iou.cancelTitle'), body: t('iou.cancelBody'), label: t('iou.cancel') },
    forgive: {
      title: t('iou.forgiveTitle'),
      body: x ? t('iou.forgiveBody', { amount: f.money(x.outstanding, x.currency) }) : '',
      label: t('iou.forgive'),
    },
  } as const;

  return (
    <div className="page">
      <PageHeader
        title={t('iou.detailTitle')}
        back="/ious"
        right={
          <IconButton onClick={reload} label={t('redpacket.refresh')}>
            <RefreshIcon />
          </IconButton>
        }
      />
      {iou.error && !x ? (
        <ErrorText>{errorMessage(t, iou.error, { not_found: 'iou.notFound' })}</ErrorText>
      ) : !x ? (
        <Loading />
      ) : (
        <>
          <section className="card iou-hero" aria-labelledby="iou-title">
            <div className="iou-parties">
              <Avatar name={x.borrowerNickname} id={x.borrowerId} />
              <span className="iou-arrow" aria-hidden="true">
                ←
              </span>
              <Avatar name={x.lenderNickname} id={x.lenderId} />
            </div>
            <h2 id="iou-title" className="iou-hero-title">
              {borrower
                ? t('iou.borrowedFrom', { name: x.lenderNickname })
                : lender && x.status === 'requested'
                  ? t('iou.asksYou', { name: x.borrowerNickname })
                  : lender
                    ? t('iou.lentTo', { name: x.borrowerNickname })
                    : t('iou.between', { borrower: x.borrowerNickname, lender: x.lenderNickname })}
            </h2>
            <p className="iou-principal">{f.money(x.principal, x.currency)}</p>
            <IouStatusChip status={x.status} />
            <p className="iou-purpose">“{x.purpose}”</p>
            {running || x.status === 'repaid' || x.status === 'forgiven' ? (
              <>
                <Stats>
                  <Stat
                    label={t('iou.outstanding')}
                    value={f.money(x.outstanding, x.currency)}
                    testId="iou-outstanding"
                  />
                  <Stat
                    label={t('iou.interestAccrued')}
                    value={f.money(x.interestAccrued, x.currency)}
                    testId="iou-interest"
                  />
                </Stats>
                <ProgressBar
                  value={x.principal - x.principalOutstanding}
                  max={x.principal}
                  tone={x.status === 'overdue' ? 'danger' : 'primary'}
                  label={t('iou.principalRepaid', {
                    paid: f.money(x.principal - x.principalOutstanding, x.currency),
                    total: f.money(x.principal, x.currency),
                  })}
                />
              </>
            ) : null}
            {x.status === 'overdue' && (
              <p className="notice notice-warn iou-overdue">{t('iou.overdueNotice')}</p>
            )}
            {error && <ErrorText>{error}</ErrorText>}
            <div className="iou-actions">
              {lender && x.status === 'requested' && (
                <div className="button-row">
                  <button
                    type="button"
                    className="button button-secondary"
                    onClick={() => setConfirm('decline')}
                    disabled={busy || gate.busy}
                  >
                    {t('iou.decline')}
                  </button>
                  <button
                    type="button"
                    className="button button-primary"
                    onClick={() => accept(x)}
                    disabled={busy || gate.busy}
                  >
                    {t('iou.accept')}
                  </button>
                </div>
              )}
              {borrower && x.status === 'requested' && (
                <>
                  <p className="muted small center">
                    {t('iou.waiting', { name: x.lenderNickname })}
                  </p>
                  <button
                    type="button"
                    className="button button-danger-outline button-block"
                    onClick={() => setConfirm('cancel')}
                    disabled={busy}
                  >
                    {t('iou.cancel')}
                  </button>
                </>
              )}
              {borrower && running && (
                <button
                  type="button"
                  className="button button-primary button-block"
                  onClick={() => {
                    setRepayAmount(toDecimalString(x.outstanding, x.currency));
                    setRepayError(undefined);
                    setRepaying(true);
                  }}
                  disabled={gate.busy}
                >
                  {t('iou.repay')}
                </button>
              )}
              {lender && running && (
                <button
                  type="button"
                  className="button button-danger-outline button-block"
                  onClick={() => setConfirm('forgive')}
                  disabled={gate.busy}
                >
                  {t('iou.forgive')}
                </button>
              )}
            </div>
          </section>

          <section className="card" aria-labelledby="iou-terms">
            <h2 id="iou-terms" className="card-title card-title-spaced">
              {t('iou.terms')}
            </h2>
            <dl className="details">
              <div>
                <dt>{t('iou.borrower')}</dt>
                <dd>{x.borrowerNickname}</dd>
              </div>
              <div>
                <dt>{t('iou.lenderLabel')}</dt>
                <dd>{x.lenderNickname}</dd>
              </div>
              <div>
                <dt>{t('iou.principal')}</dt>
                <dd>{f.money(x.principal, x.currency)}</dd>
              </div>
              <div>
                <dt>{t('iou.rate')}</dt>
                <dd>{t('iou.ratePerYear', { rate: formatPercent(x.annualRateBps) })}</dd>
              </div>
              <div>
                <dt>{t('iou.dueDate')}</dt>
                <dd>{dueText(i18n.language, x.dueDate)}</dd>
              </div>
              {x.acceptedAt && (
                <>
                  <div>
                    <dt>{t('iou.acceptedAt')}</dt>
                    <dd>{formatDate(i18n.language, x.acceptedAt)}</dd>
                  </div>
                  <div>
                    <dt>{t('iou.principalOutstanding')}</dt>
                    <dd>{f.money(x.principalOutstanding, x.currency)}</dd>
                  </div>
                  <div>
                    <dt>{t('iou.interestPaid')}</dt>
                    <dd>{f.money(x.interestPaid, x.currency)}</dd>
                  </div>
                </>
              )}
              {x.forgivenAmount > 0 && (
                <div>
                  <dt>{t('iou.forgivenAmount')}</dt>
                  <dd>{f.money(x.forgivenAmount, x.currency)}</dd>
                </div>
              )}
            </dl>
            <p className="muted small">{t('iou.interestRule')}</p>
          </section>

          <section className="card" aria-labelledby="iou-repayments">
            <h2 id="iou-repayments" className="card-title card-title-spaced">
              {t('iou.repayments')}
            </h2>
            {x.repayments.length === 0 ? (
              <p className="muted small">{t('iou.noRepayments')}</p>
            ) : (
              <ul className="tx-list" data-testid="repayments">
                {x.repayments.map((r) => (
                  <li key={r.id} className="tx-row">
                    <span className="tx-icon tx-icon-transfer tx-icon-in" aria-hidden="true">
                      <IouIcon size={20} />
                    </span>
                    <span className="tx-main">
                      <span className="tx-title">
                        {t('iou.repaymentSplit', {
                          principal: f.money(r.principalPart, x.currency),
                          interest: f.money(r.interestPart, x.currency),
                        })}
                      </span>
                      <span className="tx-sub">
                        <time dateTime={r.createdAt}>{f.shortDateTime(r.createdAt)}</time>
                      </span>
                    </span>
                    <span className="tx-side">
                      <span className="tx-amount">{f.money(r.amount, x.currency)}</span>
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>

          {x.events.length > 0 && (
            <section className="card history-card" aria-labelledby="iou-events">
              <h2 id="iou-events" className="card-title card-title-spaced">
                <HistoryIcon size={18} /> {t('iou.events')}
              </h2>
              <ol className="timeline">
                {x.events.map((ev, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: events have no id; their order is fixed
                  <li key={i} className={`timeline-item timeline-${ev.kind}`}>
                    <p className="timeline-title">
                      {t(`iou.event.${ev.kind}`, {
                        defaultValue: ev.kind,
                        amount: ev.amount === null ? '' : f.money(ev.amount, x.currency),
                        name:
                          ev.actorId === x.lenderId
                            ? x.lenderNickname
                            : ev.actorId === x.borrowerId
                              ? x.borrowerNickname
                              : '',
                      })}
                    </p>
                    <time className="person-time" dateTime={ev.createdAt}>
                      {f.dateTime(ev.createdAt)}
                    </time>
                  </li>
                ))}
              </ol>
            </section>
          )}
        </>
      )}
      <Sheet open={repaying} onClose={() => setRepaying(false)} labelledBy={repayTitle}>
        {x && (
          <form className="sheet-body" onSubmit={repay} noValidate>
            <h2 id={repayTitle} className="sheet-title">
              {t('iou.repayTitle', { name: x.lenderNickname })}
            </h2>
            <AmountInput
              label={t('iou.repayAmount')}
              value={repayAmount}
              onChange={(v) => {
                setRepayAmount(v);
                setRepayError(undefined);
              }}
              error={repayError}
              hint={t('iou.repayHint', { amount: f.money(x.outstanding, x.currency) })}
            />
            <div className="button-row">
              <button
                type="button"
                className="button button-secondary"
                onClick={() => setRepaying(false)}
              >
                {t('common.cancel')}
              </button>
              <button type="submit" className="button button-primary" data-autofocus>
                {t('iou.repay')}
              </button>
            </div>
          </form>
        )}
      </Sheet>
      <ConfirmSheet
        open={confirm !== null}
        title={confirm ? confirmText[confirm].title : ''}
        body={confirm ? confirmText[confirm].body : ''}
        confirmLabel={confirm ? confirmText[confirm].label : ''}
        danger
        busy={busy}
        onConfirm={() => {
          if (!confirm || !x) return;
          if (confirm === 'forgive') forgive(x);
          else void answer(confirm);
        }}
        onClose={() => setConfirm(null)}
      />
      {gate.sheet}
    </div>
  );
}
