import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useMe } from '../auth.tsx';
import { isManager, memberName, useGroup } from '../components/group-shared.tsx';
import { ArrowUpIcon, PlusIcon } from '../components/icons.tsx';
import { FundIcon, ProgressBar } from '../components/money-ui.tsx';
import { usePinGate } from '../components/PinGate.tsx';
import { Avatar, PagedList } from '../components/social-ui.tsx';
import {
  AmountInput,
  EmptyState,
  ErrorText,
  Field,
  Loading,
  PageHeader,
  SubmitButton,
  VerifyNotice,
} from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { amountErrorMessage, errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { parseAmount } from '../money.ts';
import { useToast } from '../toast.tsx';
import { groupApi, groupMoney } from './money-api.ts';
import type { Group, GroupRole } from './social-api.ts';

/** The group fund (经费): its balance, who put in how much, and every contribution and spend. */
export function FundTab({ group, myRole }: { group: Group; myRole: GroupRole | undefined }) {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const fund = useAsync(() => groupApi.fund(group.id), [group.id], { refreshOnWalletChange: true });
  const entries = usePaged(
    (cursor) =>
      groupApi.fund(group.id, cursor).then((x) => ({ items: x.entries, nextCursor: x.nextCursor })),
    (e) => e.id,
    [group.id, fund.data?.balance],
  );
  const data = fund.data;
  const top = Math.max(1, ...(data?.contributions.map((c) => c.total) ?? []));

  return (
    <>
      <section className="card fund-card" aria-labelledby="fund-title">
        <h2 id="fund-title" className="fund-label">
          {t('fund.balance')}
        </h2>
        {fund.error ? (
          <ErrorText>{errorMessage(t, fund.error)}</ErrorText>
        ) : (
          <p className="fund-amount" data-testid="fund-balance">
            {data ? f.money(data.balance, data.currency) : '—'}
          </p>
        )}
        <p className="fund-hint">{t('fund.hint')}</p>
        <div className="fund-actions">
          <Link to={`/groups/${group.id}/fund/contribute`} className="button fund-action">
            <PlusIcon size={20} /> {t('fund.contribute')}
          </Link>
          {isManager(myRole) && (
            <Link to={`/groups/${group.id}/fund/spend`} className="button fund-action">
              <ArrowUpIcon size={20} /> {t('fund.spend')}
            </Link>
          )}
        </div>
      </section>

      {data && data.contributions.length > 0 && (
        <section className="card" aria-labelledby="fund-totals-title">
          <h2 id="fund-totals-title" className="card-title card-title-spaced">
            {t('fund.totals')}
          </h2>
          <ul className="totals-list">
            {data.contributions.map((c) => (
              <li key={c.userId} className="total-row">
                <Avatar name={c.nickname} id={c.userId} size="small" />
                <span className="total-main">
                  <span className="total-line">
                    <span className="person-name">
                      {memberName(t, group, c.userId, me.id, c.nickname)}
                    </span>
                    <span className="total-amount">{f.money(c.total, data.currency)}</span>
                  </span>
                  <ProgressBar
                    value={c.total}
                    max={top}
                    label={t('fund.totalOf', {
                      name: c.nickname,
                      amount: f.money(c.total, data.currency),
                    })}
                  />
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="card" aria-labelledby="fund-entries-title">
        <h2 id="fund-entries-title" className="card-title card-title-spaced">
          {t('fund.entries')}
        </h2>
        <PagedList
          list={entries}
          showEnd
          empty={
            <EmptyState
              title={t('fund.empty')}
              hint={t('fund.emptyHint')}
              icon={<FundIcon size={36} />}
            />
          }
        >
          <ul className="tx-list" data-testid="fund-entries">
            {entries.items.map((e) => {
              const who = memberName(t, group, e.userId, me.id, e.nickname);
              const contribution = e.type === 'contribution';
              return (
                <li key={e.id} className="tx-row">
                  <span
                    className={`tx-icon ${contribution ? 'tx-icon-topup' : 'tx-icon-withdrawal'}`}
                    aria-hidden="true"
                  >
                    {contribution ? <PlusIcon size={20} /> : <ArrowUpIcon size={20} />}
                  </span>
                  <span className="tx-main">
                    <span className="tx-title">
                      {contribution
                        ? t('fund.contributed', { name: who })
                        : t('fund.spent', {
                            name: who,
                            to: e.to
                              ? memberName(t, group, e.to.userId, me.id, e.to.nickname)
                              : t('tx.someone'),
                          })}
                    </span>
                    <span className="tx-sub">
                      {e.note ? <span className="tx-note">{e.note}</span> : null}
                      <time dateTime={e.createdAt}>{f.shortDateTime(e.createdAt)}</time>
                    </span>
                  </span>
                  <span className="tx-side">
                    <span className={`tx-amount${contribution ? ' tx-in' : ''}`}>
                      {f.money(contribution ? e.amount : -e.amount, e.currency, 'always')}
                    </span>
                  </span>
                </li>
              );
            })}
          </ul>
        </PagedList>
      </section>
    </>
  );
}

const SPEND_ERRORS = {
  insufficient_funds: 'fund.errors.fundTooLow',
  forbidden: 'fund.errors.notManager',
} as const;

/** Put money into the fund, or (owner, treasurer) pay a member from it; both with the PIN. */
export function FundFormPage({ mode }: { mode: 'contribute' | 'spend' }) {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const toast = useToast();
  const navigate = useNavigate();
  const { id = '' } = useParams();
  const group = useGroup(id);
  const fund = useAsync(() => groupApi.fund(id), [id]);
  const submission = useRef(new MoneySubmission());
  const gate = usePinGate();
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [to, setTo] = useState('');
  const [errors, setErrors] = useState<{ amount?: string; note?: string; to?: string }>({});
  const [error, setError] = useState<string>();
  const spend = mode === 'spend';
  const g = group.data;
  const toName = g?.members.find((m) => m.userId === to)?.nickname ?? '';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const found: typeof errors = {};
    const parsed = parseAmount(amount);
    if (!parsed.ok) found.amount = amountErrorMessage(t, parsed.error);
    if (spend && !to) found.to = t('fund.errors.to');
    if (spend && !note.trim()) found.note = t('fund.errors.note');
    setErrors(found);
    if (Object.keys(found).length || !parsed.ok) return;
    const value = parsed.value;
    void gate.ask({
      summary: spend
        ? t('fund.pinSpend', { name: toName, group: g?.name ?? '' })
        : t('fund.pinContribute', { group: g?.name ?? '' }),
      amount: f.money(value),
      run: async (pin) => {
        if (spend) {
          await groupMoney.spend(submission.current, id, {
            amount: value,
            to: { userId: to },
            note: note.trim(),
            ...(pin ? { pin } : {}),
          });
        } else {
          await groupMoney.contribute(submission.current, id, {
            amount: value,
            ...(note.trim() ? { note: note.trim() } : {}),
            ...(pin ? { pin } : {}),
          });
        }
        walletChanged();
        toast(
          spend
            ? t('fund.spendDone', { amount: f.money(value), name: toName })
            : t('fund.contributeDone', { amount: f.money(value) }),
          'success',
        );
        navigate(`/groups/${id}?tab=fund`, { replace: true });
      },
      onError: (err) =>
        setError(
          err instanceof ApiError && err.field === 'to'
            ? t('fund.errors.toMember')
            : errorMessage(t, err, spend ? SPEND_ERRORS : {}),
        ),
    });
  };

  return (
    <div className="page">
      <PageHeader title={spend ? t('fund.spendTitle') : t('fund.contributeTitle')} back />
      <VerifyNotice>{t('transfer.verifyFirst')}</VerifyNotice>
      {group.error ? (
        <ErrorText>{errorMessage(t, group.error, { not_found: 'groupHome.notFound' })}</ErrorText>
      ) : !g ? (
        <Loading />
      ) : (
        <form className="card form-card" onSubmit={submit} noValidate>
          <p className="form-lead">
            <FundIcon size={20} /> {g.name}
            {fund.data ? (
              <span className="muted">
                {' '}
                ·{' '}
                {t('fund.balanceShort', { amount: f.money(fund.data.balance, fund.data.currency) })}
              </span>
            ) : null}
          </p>
          {spend && (
            <Field label={t('fund.to')} error={errors.to}>
              {(p) => (
                <select
                  {...p}
                  name="to"
                  value={to}
                  onChange={(e) => {
                    setTo(e.target.value);
                    setErrors((x) => ({ ...x, to: undefined }));
                  }}
                >
                  <option value="">{t('sendRedPacket.choose')}</option>
                  {g.members.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.userId === me.id ? `${m.nickname} (${t('feed.you')})` : m.nickname}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <AmountInput
            label={spend ? t('fund.spendAmount') : t('fund.contributeAmount')}
            value={amount}
            onChange={(v) => {
              setAmount(v);
              setErrors((x) => ({ ...x, amount: undefined }));
            }}
            error={errors.amount}
          />
          <Field label={spend ? t('fund.purpose') : t('fund.noteOptional')} error={errors.note}>
            {(p) => (
              <input
                {...p}
                name="note"
                maxLength={100}
                placeholder={spend ? t('fund.purposePlaceholder') : t('fund.notePlaceholder')}
                value={note}
                onChange={(e) => {
                  setNote(e.target.value);
                  setErrors((x) => ({ ...x, note: undefined }));
                }}
              />
            )}
          </Field>
          {error && <ErrorText>{error}</ErrorText>}
          <SubmitButton busy={gate.busy}>
            {spend ? t('fund.spendSubmit') : t('fund.contributeSubmit')}
          </SubmitButton>
          <p className="muted small center">{t('fund.everyoneSees')}</p>
        </form>
      )}
      {gate.sheet}
    </div>
  );
}
