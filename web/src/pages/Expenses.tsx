import { type FormEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useMe } from '../auth.tsx';
import { isManager, MemberChecklist, memberName, useGroup } from '../components/group-shared.tsx';
import { PlusIcon } from '../components/icons.tsx';
import { HistoryIcon, ReceiptIcon, ScalesIcon } from '../components/money-ui.tsx';
import { usePinGate } from '../components/PinGate.tsx';
import { formatDate } from '../components/social-format.ts';
import { Avatar, LoadMore, PagedList } from '../components/social-ui.tsx';
import {
  BASIS_POINTS,
  formatPercent,
  parsePercent,
  parseShares,
  previewSplit,
  type SplitPreview,
} from '../components/split.ts';
import {
  AmountInput,
  ConfirmSheet,
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
import { parseAmount, toDecimalString } from '../money.ts';
import { useToast } from '../toast.tsx';
import {
  type Balances,
  type Expense,
  type ExpenseInput,
  type ExpenseSnapshot,
  groupApi,
  groupMoney,
  type SplitMethod,
} from './money-api.ts';
import type { Group } from './social-api.ts';

const METHODS: readonly SplitMethod[] = ['equal', 'exact', 'shares', 'percent'];

/** Names of everyone the books mention: current members, and former ones from the balances. */
function useNames(group: Group | undefined, balances: Balances | undefined) {
  const { t } = useTranslation();
  const me = useMe();
  const known = new Map(balances?.balances.map((b) => [b.userId, b.nickname]));
  return (userId: string) => memberName(t, group, userId, me.id, known.get(userId));
}

/** Shared expenses: who owes whom, the fewest transfers to settle, and every expense. */
export function ExpensesTab({ group }: { group: Group }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const [simplify, setSimplify] = useState(false);
  const balances = useAsync(() => groupApi.balances(group.id), [group.id], {
    refreshOnWalletChange: true,
  });
  const expenses = usePaged(
    (cursor) => groupApi.expenses(group.id, cursor),
    (e) => e.id,
    [group.id],
  );
  const settlements = usePaged(
    (cursor) => groupApi.settlements(group.id, cursor),
    (s) => s.id,
    [group.id, balances.data],
  );
  const nameOf = useNames(group, balances.data);
  const b = balances.data;
  const myNet = b?.balances.find((x) => x.userId === me.id)?.net ?? 0;
  const myPayments = b?.simplified.filter((s) => s.from === me.id) ?? [];
  const settleLink = (to: string, amount: number) =>
    `/groups/${group.id}/settle?${new URLSearchParams({ to, amount: String(amount) })}`;

  return (
    <>
      <section className="card" aria-labelledby="balances-title">
        <div className="card-head">
          <h2 id="balances-title" className="card-title">
            {t('expense.balances')}
          </h2>
          <ScalesIcon size={22} className="card-head-icon" />
        </div>
        {balances.error ? (
          <ErrorText>{errorMessage(t, balances.error)}</ErrorText>
        ) : !b ? (
          <Loading />
        ) : (
          <>
            <p
              className={`my-net ${myNet > 0 ? 'net-plus' : myNet < 0 ? 'net-minus' : ''}`}
              data-testid="my-net"
            >
              {myNet > 0
                ? t('expense.youAreOwed', { amount: f.money(myNet, b.currency) })
                : myNet < 0
                  ? t('expense.youOwe', { amount: f.money(-myNet, b.currency) })
                  : t('expense.allSettled')}
            </p>
            {myPayments.length > 0 && (
              <Link
                to={settleLink(myPayments[0]!.to, myPayments[0]!.amount)}
                className="button button-primary button-block"
              >
                <ScalesIcon size={20} /> {t('expense.settleUp')}
              </Link>
            )}
            {b.balances.length > 0 && (
              <ul className="people-list balance-list" data-testid="balances">
                {b.balances.map((x) => (
                  <li key={x.userId} className="person-row">
                    <Avatar name={x.nickname} id={x.userId} size="small" />
                    <span className="person-main">
                      <span className="person-name">{nameOf(x.userId)}</span>
                    </span>
                    <span
                      className={`net ${x.net > 0 ? 'net-plus' : x.net < 0 ? 'net-minus' : 'muted'}`}
                    >
                      {x.net > 0
                        ? t('expense.isOwed', { amount: f.money(x.net, b.currency) })
                        : x.net < 0
                          ? t('expense.owes', { amount: f.money(-x.net, b.currency) })
                          : t('expense.settled')}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            {b.simplified.length > 0 && (
              <>
                <button
                  type="button"
                  className="button button-secondary button-block simplify-toggle"
                  aria-expanded={simplify}
                  aria-controls="simplified"
                  onClick={() => setSimplify((x) => !x)}
                >
                  {simplify ? t('expense.hideSimplified') : t('expense.simplify')}
                </button>
                {simplify && (
                  <div id="simplified" className="simplified">
                    <p className="muted small">
                      {t('expense.simplifiedHint', { count: b.simplified.length })}
                    </p>
                    <ul className="people-list" data-testid="simplified">
                      {b.simplified.map((s) => (
                        <li key={`${s.from}-${s.to}`} className="person-row settle-row">
                          <span className="person-main">
                            <span className="person-name">
                              {t('expense.pays', { from: nameOf(s.from), to: nameOf(s.to) })}
                            </span>
                            <span className="claim-amount">{f.money(s.amount, b.currency)}</span>
                          </span>
                          {s.from === me.id && (
                            <Link
                              to={settleLink(s.to, s.amount)}
                              className="button button-primary button-small"
                              aria-label={t('expense.settleWith', { name: nameOf(s.to) })}
                            >
                              {t('expense.settleUp')}
                            </Link>
                          )}
                        </li>
                      ))}
                    </ul>
                  </div>
                )}
              </>
            )}
          </>
        )}
      </section>

      <Link
        to={`/groups/${group.id}/expenses/new`}
        className="button button-primary button-block section-action"
      >
        <PlusIcon size={20} /> {t('expense.add')}
      </Link>

      <section className="card" aria-labelledby="expenses-title">
        <h2 id="expenses-title" className="card-title card-title-spaced">
          {t('expense.listTitle')}
        </h2>
        <PagedList
          list={expenses}
          showEnd
          empty={
            <EmptyState
              title={t('expense.empty')}
              hint={t('expense.emptyHint')}
              icon={<ReceiptIcon size={36} />}
            />
          }
        >
          <ul className="tx-list" data-testid="expenses">
            {expenses.items.map((e) => {
              const mine = e.split.participants.find((p) => p.userId === me.id)?.owed ?? 0;
              const lent = e.paidBy === me.id ? e.amount - mine : 0;
              return (
                <li key={e.id}>
                  <Link to={`/expenses/${e.id}`} className="tx-row">
                    <span className="tx-icon tx-icon-expense" aria-hidden="true">
                      <ReceiptIcon size={20} />
                    </span>
                    <span className="tx-main">
                      <span className="tx-title">{e.description ?? t('expense.held')}</span>
                      <span className="tx-sub">
                        <span className="tx-note">
                          {t('expense.paidBy', {
                            name: nameOf(e.paidBy),
                            amount: f.money(e.amount, e.currency),
                          })}
                        </span>
                        <time dateTime={e.occurredAt}>
                          {shortDate(i18n.language, e.occurredAt)}
                        </time>
                      </span>
                    </span>
                    <span className="tx-side">
                      {lent > 0 ? (
                        <>
                          <span className="tx-side-label">{t('expense.youLent')}</span>
                          <span className="tx-amount tx-in">{f.money(lent, e.currency)}</span>
                        </>
                      ) : e.paidBy !== me.id && mine > 0 ? (
                        <>
                          <span className="tx-side-label">{t('expense.youBorrowed')}</span>
                          <span className="tx-amount net-minus">{f.money(mine, e.currency)}</span>
                        </>
                      ) : (
                        <span className="tx-side-label">{t('expense.notInvolved')}</span>
                      )}
                    </span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </PagedList>
      </section>

      {settlements.items.length > 0 && (
        <section className="card" aria-labelledby="settlements-title">
          <h2 id="settlements-title" className="card-title card-title-spaced">
            {t('expense.settlements')}
          </h2>
          <ul className="tx-list">
            {settlements.items.map((s) => (
              <li key={s.id} className="tx-row">
                <span className="tx-icon tx-icon-transfer" aria-hidden="true">
                  <ScalesIcon size={20} />
                </span>
                <span className="tx-main">
                  <span className="tx-title">
                    {t('expense.settledPaid', {
                      from: nameOf(s.from.userId),
                      to: nameOf(s.to.userId),
                    })}
                  </span>
                  <span className="tx-sub">
                    <time dateTime={s.createdAt}>{f.shortDateTime(s.createdAt)}</time>
                  </span>
                </span>
                <span className="tx-side">
                  <span className="tx-amount">{f.money(s.amount, s.currency)}</span>
                </span>
              </li>
            ))}
          </ul>
          <LoadMore
            hasMore={settlements.hasMore}
            loading={settlements.loadingMore}
            onMore={settlements.loadMore}
            count={0}
          />
        </section>
      )}
    </>
  );
}

/** `11月25日` / `Nov 25`: an expense's day in a list. */
function shortDate(locale: string, iso: string): string {
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' }).format(new Date(iso));
}

/** Today's local date as `YYYY-MM-DD`. */
function localDay(d = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The instant an expense dated `day` is recorded at: local noon, safe from zone edges. */
function dayToIso(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d, 12).toISOString();
}

/** A participant's typed value in the form's unit (yuan, shares, percent). */
function valueText(method: SplitMethod, value: number | undefined): string {
  if (value === undefined) return '';
  if (method === 'exact') return toDecimalString(value);
  if (method === 'percent') return formatPercent(value);
  return String(value);
}

/**
 * A participant's value from what was typed; undefined when it cannot be read. An empty exact
 * amount is 0 and an empty share count is 1 (what the placeholders show).
 */
function parseValue(method: SplitMethod, text: string): number | undefined {
  const trimmed = text.trim();
  if (method === 'exact') {
    if (trimmed === '' || /^0+([.．]0*)?$/.test(trimmed)) return 0;
    const parsed = parseAmount(text);
    return parsed.ok ? parsed.value : undefined;
  }
  if (method === 'shares') return trimmed === '' ? 1 : parseShares(text);
  if (method === 'percent') return parsePercent(text);
  return undefined;
}

/** What a newly chosen split method starts from: the equal split, in its own unit. */
function startingValues(
  method: SplitMethod,
  userIds: string[],
  total: number | undefined,
): Record<string, string> {
  const values: Record<string, string> = {};
  if (userIds.length === 0) return values;
  const equal = (whole: number) =>
    previewSplit(
      whole,
      'equal',
      userIds.map((userId) => ({ userId })),
    ).owed;
  if (method === 'percent') {
    equal(BASIS_POINTS).forEach((bps, i) => {
      values[userIds[i]!] = formatPercent(bps ?? 0);
    });
  } else if (method === 'exact' && total) {
    equal(total).forEach((owed, i) => {
      values[userIds[i]!] = toDecimalString(owed ?? 0);
    });
  }
  return values;
}

interface Draft {
  description: string;
  amount: string;
  paidBy: string;
  day: string;
  method: SplitMethod;
  chosen: Set<string>;
  values: Record<string, string>;
}

function draftOf(expense: Expense): Draft {
  const values: Record<string, string> = {};
  for (const p of expense.split.participants) {
    values[p.userId] = valueText(expense.split.method, p.value);
  }
  return {
    description: expense.description ?? '',
    amount: toDecimalString(expense.amount, expense.currency),
    paidBy: expense.paidBy,
    day: localDay(new Date(expense.occurredAt)),
    method: expense.split.method,
    chosen: new Set(expense.split.participants.map((p) => p.userId)),
    values,
  };
}

const EXPENSE_ERRORS = { content_rejected: 'expense.errors.descriptionRejected' } as const;

/** Record a shared expense, or edit one: who paid, how much, and how it splits (live preview). */
export function ExpenseFormPage() {
  const { t } = useTranslation();
  const { expenseId } = useParams();
  const existing = useAsync(
    () => (expenseId ? groupApi.expense(expenseId) : Promise.resolve(null)),
    [expenseId],
  );
  const params = useParams();
  const groupId = expenseId ? existing.data?.groupId : params.id;
  const group = useGroup(groupId);
  const title = expenseId ? t('expense.editTitle') : t('expense.addTitle');
  const error = existing.error ?? (groupId ? group.error : undefined);
  return (
    <div className="page">
      <PageHeader title={title} back />
      {error ? (
        <ErrorText>{errorMessage(t, error, { not_found: 'expense.notFound' })}</ErrorText>
      ) : !group.data || (expenseId && !existing.data) ? (
        <Loading />
      ) : (
        <ExpenseForm group={group.data} expense={existing.data ?? null} />
      )}
    </div>
  );
}

function ExpenseForm({ group, expense }: { group: Group; expense: Expense | null }) {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const toast = useToast();
  const navigate = useNavigate();
  const submission = useRef(new MoneySubmission());
  const methodId = useId();
  const [initial] = useState<Draft>(() =>
    expense
      ? draftOf(expense)
      : {
          description: '',
          amount: '',
          paidBy: me.id,
          day: localDay(),
          method: 'equal',
          chosen: new Set(group.members.map((m) => m.userId)),
          values: {},
        },
  );
  const [d, setD] = useState<Draft>(initial);
  const [errors, setErrors] = useState<{ description?: string; amount?: string; split?: string }>(
    {},
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const change = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const parsedAmount = parseAmount(d.amount);
  const total = parsedAmount.ok ? parsedAmount.value : undefined;
  const participants = group.members
    .filter((m) => d.chosen.has(m.userId))
    .map((m) => ({
      userId: m.userId,
      value: d.method === 'equal' ? undefined : parseValue(d.method, d.values[m.userId] ?? ''),
    }));
  const preview: SplitPreview = previewSplit(total, d.method, participants);
  const owedOf = new Map(participants.map((p, i) => [p.userId, preview.owed[i] ?? null]));

  const problemText = (() => {
    const p = preview.problem;
    if (participants.length === 0) return t('expense.split.nobody');
    if (!p) return null;
    if (p.kind === 'missing') return t(`expense.split.missing.${d.method}`);
    if (p.kind === 'percent_sum')
      return t('expense.split.percentSum', { percent: formatPercent(p.bps) });
    const left = p.total - p.assigned;
    return left > 0
      ? t('expense.split.exactLeft', { amount: f.money(left) })
      : t('expense.split.exactOver', { amount: f.money(-left) });
  })();

  const toggle = (userId: string) => {
    const chosen = new Set(d.chosen);
    if (chosen.has(userId)) chosen.delete(userId);
    else chosen.add(userId);
    change({ chosen });
    setErrors((x) => ({ ...x, split: undefined }));
  };

  const unit = d.method === 'exact' ? '¥' : d.method === 'percent' ? '%' : t('expense.sharesUnit');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const found: typeof errors = {};
    if (!d.description.trim() && !(expense && expense.description === null)) {
      found.description = t('expense.errors.description');
    }
    if (!parsedAmount.ok) found.amount = amountErrorMessage(t, parsedAmount.error);
    if (problemText) found.split = problemText;
    setErrors(found);
    if (Object.keys(found).length || !parsedAmount.ok) return;
    const split = {
      method: d.method,
      participants: participants.map((p) =>
        d.method === 'equal' ? { userId: p.userId } : { userId: p.userId, value: p.value ?? 0 },
      ),
    };
    setBusy(true);
    try {
      if (!expense) {
        const body: ExpenseInput = {
          description: d.description.trim(),
          amount: parsedAmount.value,
          paidBy: d.paidBy,
          split,
          ...(d.day !== localDay() ? { occurredAt: dayToIso(d.day) } : {}),
        };
        await groupMoney.recordExpense(submission.current, group.id, body);
        toast(t('expense.added'), 'success');
        navigate(`/groups/${group.id}?tab=expenses`, { replace: true });
      } else {
        const body: Partial<ExpenseInput> = {
          ...(d.description.trim() && d.description.trim() !== (expense.description ?? '')
            ? { description: d.description.trim() }
            : {}),
          amount: parsedAmount.value,
          paidBy: d.paidBy,
          split,
          ...(d.day !== initial.day ? { occurredAt: dayToIso(d.day) } : {}),
        };
        await groupApi.editExpense(expense.id, body);
        toast(t('expense.saved'), 'success');
        navigate(`/expenses/${expense.id}`, { replace: true });
      }
    } catch (err) {
      setError(
        err instanceof ApiError && err.field?.startsWith('split')
          ? t('expense.errors.split')
          : errorMessage(t, err, EXPENSE_ERRORS),
      );
      setBusy(false);
    }
  };

  return (
    <form className="card form-card" onSubmit={submit} noValidate>
      <p className="form-lead">
        <ReceiptIcon size={20} /> {group.name}
      </p>
      <Field label={t('expense.description')} error={errors.description}>
        {(p) => (
          <input
            {...p}
            name="description"
            maxLength={100}
            placeholder={
              expense?.description === null
                ? t('expense.held')
                : t('expense.descriptionPlaceholder')
            }
            value={d.description}
            onChange={(e) => {
              change({ description: e.target.value });
              setErrors((x) => ({ ...x, description: undefined }));
            }}
          />
        )}
      </Field>
      <AmountInput
        label={t('expense.amount')}
        value={d.amount}
        onChange={(v) => {
          change({ amount: v });
          setErrors((x) => ({ ...x, amount: undefined }));
        }}
        error={errors.amount}
      />
      <div className="field-pair">
        <Field label={t('expense.paidByLabel')}>
          {(p) => (
            <select
              {...p}
              name="paidBy"
              value={d.paidBy}
              onChange={(e) => change({ paidBy: e.target.value })}
            >
              {group.members.map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.userId === me.id ? `${m.nickname} (${t('feed.you')})` : m.nickname}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('expense.date')}>
          {(p) => (
            <input
              {...p}
              type="date"
              name="date"
              max={localDay()}
              value={d.day}
              onChange={(e) => e.target.value && change({ day: e.target.value })}
            />
          )}
        </Field>
      </div>
      <fieldset className="field segmented-field">
        <legend id={methodId}>{t('expense.method')}</legend>
        <div className="segmented">
          {METHODS.map((m) => (
            <label key={m} className={`segment${d.method === m ? ' segment-on' : ''}`}>
              <input
                type="radio"
                name="method"
                value={m}
                checked={d.method === m}
                onChange={() => {
                  change({ method: m, values: startingValues(m, [...d.chosen], total) });
                  setErrors((x) => ({ ...x, split: undefined }));
                }}
              />
              <span>{t(`expense.methods.${m}`)}</span>
            </label>
          ))}
        </div>
        <p className="field-hint">{t(`expense.methodHint.${d.method}`)}</p>
      </fieldset>
      <MemberChecklist
        legend={t('expense.splitAmong', { count: participants.length })}
        members={group.members}
        chosen={d.chosen}
        onToggle={toggle}
        extra={(userId) => {
          const member = group.members.find((m) => m.userId === userId);
          const owed = owedOf.get(userId);
          return (
            <>
              {d.method !== 'equal' && (
                <label className="split-value">
                  <span className="visually-hidden">
                    {t(`expense.valueLabel.${d.method}`, { name: member?.nickname ?? '' })}
                  </span>
                  {d.method === 'exact' && <span aria-hidden="true">{unit}</span>}
                  <input
                    inputMode={d.method === 'shares' ? 'numeric' : 'decimal'}
                    autoComplete="off"
                    placeholder={d.method === 'shares' ? '1' : '0'}
                    value={d.values[userId] ?? ''}
                    onChange={(e) => {
                      change({ values: { ...d.values, [userId]: e.target.value } });
                      setErrors((x) => ({ ...x, split: undefined }));
                    }}
                  />
                  {d.method !== 'exact' && <span aria-hidden="true">{unit}</span>}
                </label>
              )}
              <output className="split-owed" data-testid={`owed-${userId}`}>
                {owed === null || owed === undefined ? '—' : f.money(owed)}
              </output>
            </>
          );
        }}
        error={errors.split}
      />
      {!errors.split && problemText && total !== undefined ? (
        <p className="field-hint split-problem" aria-live="polite">
          {problemText}
        </p>
      ) : null}
      {error && <ErrorText>{error}</ErrorText>}
      <SubmitButton busy={busy}>{expense ? t('expense.save') : t('expense.submit')}</SubmitButton>
    </form>
  );
}

/** What changed between two versions of an expense, in words. */
function changesOf(
  t: ReturnType<typeof useTranslation>['t'],
  money: (n: number, c: string) => string,
  nameOf: (id: string) => string,
  before: ExpenseSnapshot,
  after: ExpenseSnapshot,
): string[] {
  const out: string[] = [];
  if (before.description !== after.description && after.description !== null) {
    out.push(t('expense.change.description', { to: after.description }));
  }
  if (before.amount !== after.amount) {
    out.push(
      t('expense.change.amount', {
        from: money(before.amount, before.currency),
        to: money(after.amount, after.currency),
      }),
    );
  }
  if (before.paidBy !== after.paidBy) {
    out.push(t('expense.change.paidBy', { name: nameOf(after.paidBy) }));
  }
  const shares = (s: ExpenseSnapshot) =>
    `${s.split.method}:${s.split.participants.map((p) => `${p.userId}=${p.owed}`).join(',')}`;
  if (shares(before) !== shares(after)) {
    out.push(t('expense.change.split', { method: t(`expense.methods.${after.split.method}`) }));
  }
  if (before.occurredAt !== after.occurredAt) out.push(t('expense.change.date'));
  return out;
}

/** One expense: its split, who may change it, and its history. */
export function ExpensePage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const toast = useToast();
  const navigate = useNavigate();
  const { id = '' } = useParams();
  const expense = useAsync(() => groupApi.expense(id), [id]);
  const e = expense.data;
  const group = useGroup(e?.groupId);
  const history = usePaged(
    (cursor) => groupApi.expenseHistory(id, cursor),
    (x) => String(x.version),
    [id, e?.version],
  );
  const nameOf = (userId: string) => memberName(t, group.data, userId, me.id);
  const nicknameOf = (userId: string) =>
    group.data?.members.find((m) => m.userId === userId)?.nickname ?? nameOf(userId);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const canChange =
    e && !e.deletedAt && (e.createdBy === me.id || e.paidBy === me.id || isManager(group.myRole));

  const remove = async () => {
    if (!e) return;
    setBusy(true);
    try {
      await groupApi.deleteExpense(e.id);
      toast(t('expense.deleted'), 'success');
      navigate(`/groups/${e.groupId}?tab=expenses`, { replace: true });
    } catch (err) {
      setError(errorMessage(t, err));
      setBusy(false);
      setConfirm(false);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title={t('expense.title')}
        back={e ? `/groups/${e.groupId}?tab=expenses` : true}
      />
      {expense.error ? (
        <ErrorText>{errorMessage(t, expense.error, { not_found: 'expense.notFound' })}</ErrorText>
      ) : !e ? (
        <Loading />
      ) : (
        <>
          <section className="card receipt expense-hero">
            <span className="collection-hero-icon" aria-hidden="true">
              <ReceiptIcon size={28} />
            </span>
            <h2 className="collection-hero-note">{e.description ?? t('expense.held')}</h2>
            {e.descriptionHeld && <p className="chip chip-pending">{t('expense.heldChip')}</p>}
            {e.deletedAt && <p className="chip chip-failed">{t('expense.deletedChip')}</p>}
            <p className="receipt-amount">{f.money(e.amount, e.currency)}</p>
            <dl className="details">
              <div>
                <dt>{t('expense.paidByLabel')}</dt>
                <dd>{nameOf(e.paidBy)}</dd>
              </div>
              <div>
                <dt>{t('expense.date')}</dt>
                <dd>{formatDate(i18n.language, e.occurredAt)}</dd>
              </div>
              <div>
                <dt>{t('expense.method')}</dt>
                <dd>{t(`expense.methods.${e.split.method}`)}</dd>
              </div>
              <div>
                <dt>{t('expense.recordedBy')}</dt>
                <dd>
                  {nameOf(e.createdBy)} · {f.shortDateTime(e.createdAt)}
                </dd>
              </div>
            </dl>
          </section>
          <section className="card" aria-labelledby="owed-title">
            <h2 id="owed-title" className="card-title card-title-spaced">
              {t('expense.shares')}
            </h2>
            <ul className="people-list">
              {e.split.participants.map((p) => (
                <li key={p.userId} className="person-row">
                  <Avatar name={nicknameOf(p.userId)} id={p.userId} size="small" />
                  <span className="person-main">
                    <span className="person-name">{nameOf(p.userId)}</span>
                    {p.value !== undefined && (
                      <span className="person-sub">
                        {e.split.method === 'percent'
                          ? `${formatPercent(p.value)}%`
                          : e.split.method === 'shares'
                            ? t('expense.sharesCount', { count: p.value })
                            : null}
                      </span>
                    )}
                  </span>
                  <span className="claim-amount">{f.money(p.owed, e.currency)}</span>
                </li>
              ))}
            </ul>
          </section>
          {error && <ErrorText>{error}</ErrorText>}
          {canChange && (
            <div className="button-row actions-row">
              <Link to={`/expenses/${e.id}/edit`} className="button button-secondary">
                {t('expense.edit')}
              </Link>
              <button
                type="button"
                className="button button-danger-outline"
                onClick={() => setConfirm(true)}
              >
                {t('expense.delete')}
              </button>
            </div>
          )}
          <section className="card history-card" aria-labelledby="history-title">
            <h2 id="history-title" className="card-title card-title-spaced">
              <HistoryIcon size={18} /> {t('expense.history')}
            </h2>
            {history.loading ? (
              <Loading />
            ) : (
              <ol className="timeline">
                {history.items.map((h) => {
                  const changes =
                    h.action === 'edited' && h.before && h.after
                      ? changesOf(t, f.money, nameOf, h.before, h.after)
                      : [];
                  return (
                    <li key={h.version} className={`timeline-item timeline-${h.action}`}>
                      <p className="timeline-title">
                        {t(`expense.action.${h.action}`, { name: nameOf(h.actorId) })}
                      </p>
                      {changes.length > 0 && (
                        <ul className="timeline-changes">
                          {changes.map((c) => (
                            <li key={c}>{c}</li>
                          ))}
                        </ul>
                      )}
                      <time className="person-time" dateTime={h.at}>
                        {f.dateTime(h.at)}
                      </time>
                    </li>
                  );
                })}
              </ol>
            )}
            <LoadMore
              hasMore={history.hasMore}
              loading={history.loadingMore}
              onMore={history.loadMore}
              count={0}
            />
          </section>
        </>
      )}
      <ConfirmSheet
        open={confirm}
        title={t('expense.deleteTitle')}
        body={t('expense.deleteBody')}
        confirmLabel={t('expense.delete')}
        danger
        busy={busy}
        onConfirm={() => void remove()}
        onClose={() => setConfirm(false)}
      />
    </div>
  );
}

const SETTLE_ERRORS = { blocked: 'expense.errors.blocked' } as const;

/** Settle up: pay a member what I owe them in the group, from my wallet, with the PIN. */
export function SettlePage() {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const toast = useToast();
  const navigate = useNavigate();
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const group = useGroup(id);
  const balances = useAsync(() => groupApi.balances(id), [id]);
  const submission = useRef(new MoneySubmission());
  const gate = usePinGate();
  const [to, setTo] = useState(params.get('to') ?? '');
  const suggested = Number(params.get('amount'));
  const [amount, setAmount] = useState(
    Number.isSafeInteger(suggested) && suggested > 0 ? toDecimalString(suggested) : '',
  );
  const [errors, setErrors] = useState<{ to?: string; amount?: string }>({});
  const [error, setError] = useState<string>();
  const nameOf = useNames(group.data, balances.data);
  const b = balances.data;
  const owes = -(b?.balances.find((x) => x.userId === me.id)?.net ?? 0);
  const creditors = b?.balances.filter((x) => x.net > 0 && x.userId !== me.id) ?? [];
  const owed = creditors.find((x) => x.userId === to)?.net ?? 0;
  const most = Math.min(Math.max(owes, 0), owed);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const found: typeof errors = {};
    if (!to) found.to = t('settle.errors.to');
    const parsed = parseAmount(amount);
    if (!parsed.ok) found.amount = amountErrorMessage(t, parsed.error);
    else if (to && parsed.value > most) {
      found.amount = t('settle.errors.tooMuch', { amount: f.money(most) });
    }
    setErrors(found);
    if (Object.keys(found).length || !parsed.ok) return;
    const value = parsed.value;
    void gate.ask({
      summary: t('settle.pinSummary', { name: nameOf(to) }),
      amount: f.money(value),
      run: async (pin) => {
        await groupMoney.settle(submission.current, id, {
          to,
          amount: value,
          ...(pin ? { pin } : {}),
        });
        walletChanged();
        toast(t('settle.done', { amount: f.money(value), name: nameOf(to) }), 'success');
        navigate(`/groups/${id}?tab=expenses`, { replace: true });
      },
      onError: (err) => {
        if (
          err instanceof ApiError &&
          err.field === 'amount' &&
          typeof err.problem.maxAmount === 'number'
        ) {
          setError(t('settle.errors.tooMuch', { amount: f.money(err.problem.maxAmount) }));
        } else setError(errorMessage(t, err, SETTLE_ERRORS));
        balances.reload();
      },
    });
  };

  return (
    <div className="page">
      <PageHeader title={t('settle.title')} back />
      <VerifyNotice>{t('transfer.verifyFirst')}</VerifyNotice>
      {group.error || balances.error ? (
        <ErrorText>{errorMessage(t, group.error ?? balances.error)}</ErrorText>
      ) : !group.data || !b ? (
        <Loading />
      ) : owes <= 0 || creditors.length === 0 ? (
        <section className="card">
          <EmptyState
            title={t('settle.nothing')}
            hint={t('settle.nothingHint')}
            icon={<ScalesIcon size={36} />}
          >
            <Link
              to={`/groups/${id}?tab=expenses`}
              className="button button-secondary button-small"
            >
              {t('collection.backToGroup')}
            </Link>
          </EmptyState>
        </section>
      ) : (
        <form className="card form-card" onSubmit={submit} noValidate>
          <p className="form-lead">
            <ScalesIcon size={20} /> {group.data.name} ·{' '}
            {t('expense.youOwe', { amount: f.money(owes, b.currency) })}
          </p>
          <Field label={t('settle.to')} error={errors.to}>
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
                {creditors.map((c) => (
                  <option key={c.userId} value={c.userId}>
                    {t('settle.creditor', {
                      name: nameOf(c.userId),
                      amount: f.money(c.net, b.currency),
                    })}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <AmountInput
            label={t('settle.amount')}
            value={amount}
            onChange={(v) => {
              setAmount(v);
              setErrors((x) => ({ ...x, amount: undefined }));
            }}
            error={errors.amount}
            hint={to ? t('settle.most', { amount: f.money(most, b.currency) }) : undefined}
          />
          {error && <ErrorText>{error}</ErrorText>}
          <SubmitButton busy={gate.busy}>{t('settle.submit')}</SubmitButton>
          <p className="muted small center">{t('settle.hint')}</p>
        </form>
      )}
      {gate.sheet}
    </div>
  );
}
