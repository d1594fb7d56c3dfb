import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useMe } from '../auth.tsx';
import { MemberChecklist, useGroup } from '../components/group-shared.tsx';
import { CheckIcon, ChevronIcon, PlusIcon } from '../components/icons.tsx';
import { CollectIcon, ProgressBar } from '../components/money-ui.tsx';
import { usePinGate } from '../components/PinGate.tsx';
import { formatDate } from '../components/social-format.ts';
import { RefreshIcon } from '../components/social-icons.tsx';
import { Avatar, PagedList } from '../components/social-ui.tsx';
import {
  AmountInput,
  ConfirmSheet,
  EmptyState,
  ErrorText,
  Field,
  IconButton,
  Loading,
  PageHeader,
  SubmitButton,
} from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { amountErrorMessage, errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { parseAmount } from '../money.ts';
import { useNotifications } from '../notifications.tsx';
import { useToast } from '../toast.tsx';
import { type Collection, type CollectionStatus, groupApi, groupMoney } from './money-api.ts';
import type { Group } from './social-api.ts';

function StatusChip({ status }: { status: CollectionStatus }) {
  const { t } = useTranslation();
  const tone =
    status === 'open'
      ? 'chip-pending'
      : status === 'completed'
        ? 'chip-completed'
        : 'chip-refunded';
  return <span className={`chip ${tone}`}>{t(`collection.status.${status}`)}</span>;
}

/** A group's collections (AA 收款), newest first, each with how many have paid. */
export function CollectionsTab({ group }: { group: Group }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const list = usePaged(
    (cursor) => groupApi.collections(group.id, cursor),
    (c) => c.id,
    [group.id],
  );
  return (
    <>
      <Link
        to={`/groups/${group.id}/collections/new`}
        className="button button-primary button-block section-action"
      >
        <PlusIcon size={20} /> {t('collection.create')}
      </Link>
      <section className="card" aria-labelledby="collections-title">
        <h2 id="collections-title" className="card-title card-title-spaced">
          {t('collection.listTitle')}
        </h2>
        <PagedList
          list={list}
          showEnd
          empty={
            <EmptyState
              title={t('collection.empty')}
              hint={t('collection.emptyHint')}
              icon={<CollectIcon size={36} />}
            />
          }
        >
          <ul className="people-list" data-testid="collections">
            {list.items.map((c) => (
              <li key={c.id}>
                <Link to={`/collections/${c.id}`} className="collection-row">
                  <span className="collection-icon" aria-hidden="true">
                    <CollectIcon size={22} />
                  </span>
                  <span className="collection-main">
                    <span className="collection-line">
                      <span className="person-name">{c.note ?? t('collection.heldNote')}</span>
                      <span className="collection-total">{f.money(c.totalAmount, c.currency)}</span>
                    </span>
                    <span className="person-sub">
                      {t('collection.by', { name: c.organizerNickname })} ·{' '}
                      {formatDate(i18n.language, c.createdAt)}
                    </span>
                    <ProgressBar
                      value={c.paidCount}
                      max={c.shareCount}
                      label={t('collection.paidCount', { paid: c.paidCount, count: c.shareCount })}
                    />
                    <span className="collection-line small">
                      <span className="muted">
                        {t('collection.paidCount', { paid: c.paidCount, count: c.shareCount })}
                      </span>
                      {c.myShare && !c.myShare.paid && c.status === 'open' ? (
                        <span className="chip chip-failed">
                          {t('collection.youOwe', {
                            amount: f.money(c.myShare.amount, c.currency),
                          })}
                        </span>
                      ) : c.myShare?.paid ? (
                        <span className="chip chip-completed">{t('collection.youPaid')}</span>
                      ) : (
                        <StatusChip status={c.status} />
                      )}
                    </span>
                  </span>
                  <ChevronIcon size={18} />
                </Link>
              </li>
            ))}
          </ul>
        </PagedList>
      </section>
    </>
  );
}

/** How a total splits evenly, as the server does it: ⌊total/n⌋ each, the remainder 1 fen each. */
function evenSplit(total: number, n: number): { base: number; extra: number } {
  return { base: Math.floor(total / n), extra: total % n };
}

/** Collect money from members: a fixed amount each, or a total split evenly. */
export function NewCollectionPage() {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const navigate = useNavigate();
  const { id = '' } = useParams();
  const group = useGroup(id);
  const modeId = useId();
  const [mode, setMode] = useState<'each' | 'total'>('each');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const [errors, setErrors] = useState<{ amount?: string; note?: string; members?: string }>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const g = group.data;
  // Everyone but me, until the organiser changes it.
  const members =
    chosen ?? new Set(g?.members.filter((m) => m.userId !== me.id).map((m) => m.userId));
  const parsed = parseAmount(amount);
  const n = members.size;

  const toggle = (userId: string) => {
    const next = new Set(members);
    if (next.has(userId)) next.delete(userId);
    else next.add(userId);
    setChosen(next);
    setErrors((x) => ({ ...x, members: undefined }));
  };

  const preview = (() => {
    if (!parsed.ok || n === 0) return null;
    if (mode === 'each') {
      return t('collection.previewEach', {
        count: n,
        amount: f.money(parsed.value),
        total: f.money(parsed.value * n),
      });
    }
    const { base, extra } = evenSplit(parsed.value, n);
    return extra === 0
      ? t('collection.previewTotal', { count: n, amount: f.money(base) })
      : t('collection.previewTotalUneven', {
          count: n,
          amount: f.money(base),
          extra,
          more: f.money(base + 1),
        });
  })();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const found: typeof errors = {};
    if (!parsed.ok) found.amount = amountErrorMessage(t, parsed.error);
    else if (mode === 'total' && n > 0 && parsed.value < n) {
      found.amount = t('collection.errors.totalTooSmall');
    }
    if (!note.trim()) found.note = t('collection.errors.note');
    const others = [...members].filter((u) => u !== me.id);
    if (others.length === 0) found.members = t('collection.errors.members');
    setErrors(found);
    if (Object.keys(found).length || !parsed.ok) return;
    setBusy(true);
    try {
      const created = await groupApi.createCollection(id, {
        ...(mode === 'each' ? { amountEach: parsed.value } : { totalAmount: parsed.value }),
        memberIds: [...members],
        note: note.trim(),
      });
      navigate(`/collections/${created.id}`, { replace: true });
    } catch (err) {
      setError(
        errorMessage(t, err, {
          content_rejected: 'collection.errors.noteRejected',
        }),
      );
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('collection.create')} back />
      {group.error ? (
        <ErrorText>{errorMessage(t, group.error, { not_found: 'groupHome.notFound' })}</ErrorText>
      ) : !g ? (
        <Loading />
      ) : (
        <form className="card form-card" onSubmit={submit} noValidate>
          <p className="form-lead">
            <CollectIcon size={20} /> {g.name}
          </p>
          <fieldset className="field segmented-field">
            <legend id={modeId}>{t('collection.mode')}</legend>
            <div className="segmented">
              {(['each', 'total'] as const).map((k) => (
                <label key={k} className={`segment${mode === k ? ' segment-on' : ''}`}>
                  <input
                    type="radio"
                    name="mode"
                    value={k}
                    checked={mode === k}
                    onChange={() => setMode(k)}
                  />
                  <span>{t(`collection.modes.${k}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <AmountInput
            label={mode === 'each' ? t('collection.amountEach') : t('collection.totalAmount')}
            value={amount}
            onChange={(v) => {
              setAmount(v);
              setErrors((x) => ({ ...x, amount: undefined }));
            }}
            error={errors.amount}
          />
          <Field label={t('collection.note')} error={errors.note}>
            {(p) => (
              <input
                {...p}
                name="note"
                maxLength={100}
                placeholder={t('collection.notePlaceholder')}
                value={note}
                onChange={(e) => {
                  setNote(e.target.value);
                  setErrors((x) => ({ ...x, note: undefined }));
                }}
              />
            )}
          </Field>
          <MemberChecklist
            legend={t('collection.who', { count: n })}
            members={g.members}
            chosen={members}
            onToggle={toggle}
            error={errors.members}
          />
          {members.has(me.id) && <p className="field-hint">{t('collection.selfIncluded')}</p>}
          <p className="split-preview" aria-live="polite">
            {preview ?? t('collection.previewNone')}
          </p>
          {error && <ErrorText>{error}</ErrorText>}
          <SubmitButton busy={busy}>{t('collection.submit')}</SubmitButton>
        </form>
      )}
    </div>
  );
}

const PAY_ERRORS = { conflict: 'collection.errors.notOpen' } as const;

/** One collection: who has paid, my payment with the PIN, and the organiser's remind and close. */
export function CollectionPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const toast = useToast();
  const { id = '' } = useParams();
  const { live } = useNotifications();
  const collection = useAsync(() => groupApi.collection(id), [id]);
  const { reload } = collection;
  const submission = useRef(new MoneySubmission());
  const gate = usePinGate();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const c = collection.data;

  // Someone paid (or it was closed) while this page is open: show it.
  const latest = live[0];
  useEffect(() => {
    if (latest && latest.data.collectionId === id) reload();
  }, [latest, id, reload]);

  const mine = c?.shares.find((s) => s.userId === me.id);
  const organizer = c?.organizerId === me.id;
  const paidCount = c?.shares.filter((s) => s.paid).length ?? 0;

  const pay = (share: NonNullable<typeof mine>, current: Collection) => {
    setError(undefined);
    void gate.ask({
      summary: t('collection.pinSummary', { name: current.organizerNickname }),
      amount: f.money(share.amount, current.currency),
      run: async (pin) => {
        await groupMoney.payCollection(submission.current, current.id, pin);
        walletChanged();
        toast(
          t('collection.paidToast', { amount: f.money(share.amount, current.currency) }),
          'success',
        );
        reload();
      },
      onError: (err) => {
        if (err instanceof ApiError && err.problem.reason === 'already_paid') {
          setError(t('collection.errors.alreadyPaid'));
          reload();
        } else setError(errorMessage(t, err, PAY_ERRORS));
      },
    });
  };

  const remind = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const sent = await groupApi.remind(id);
      toast(t('collection.reminded', { count: sent.remindedUserIds.length }), 'success');
    } catch (err) {
      setError(errorMessage(t, err, { rate_limited: 'collection.errors.remindedRecently' }));
    } finally {
      setBusy(false);
    }
  };

  const close = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await groupApi.closeCollection(id);
      toast(t('collection.closedToast'), 'success');
      reload();
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
      setConfirmClose(false);
    }
  };

  return (
    <div className="page">
      <PageHeader
        title={t('collection.title')}
        back={c ? `/groups/${c.groupId}?tab=collections` : true}
        right={
          <IconButton onClick={reload} label={t('redpacket.refresh')}>
            <RefreshIcon />
          </IconButton>
        }
      />
      {collection.error && !c ? (
        <ErrorText>
          {errorMessage(t, collection.error, { not_found: 'collection.notFound' })}
        </ErrorText>
      ) : !c ? (
        <Loading />
      ) : (
        <>
          <section className="card collection-hero" aria-labelledby="collection-note">
            <span className="collection-hero-icon" aria-hidden="true">
              <CollectIcon size={28} />
            </span>
            <h2 id="collection-note" className="collection-hero-note">
              {c.note ?? t('collection.heldNote')}
            </h2>
            <p className="muted small">
              {t('collection.by', { name: organizer ? t('feed.you') : c.organizerNickname })} ·{' '}
              {formatDate(i18n.language, c.createdAt)} · <StatusChip status={c.status} />
            </p>
            <p className="collection-hero-amount" data-testid="collection-paid">
              {f.money(c.paidAmount, c.currency)}
              <span className="collection-hero-of"> / {f.money(c.totalAmount, c.currency)}</span>
            </p>
            <ProgressBar
              value={c.paidAmount}
              max={c.totalAmount}
              label={t('collection.progress', {
                paid: f.money(c.paidAmount, c.currency),
                total: f.money(c.totalAmount, c.currency),
              })}
            />
            <p className="muted small" data-testid="collection-count">
              {t('collection.paidCount', { paid: paidCount, count: c.shares.length })}
            </p>
            {mine && !mine.paid && c.status === 'open' && (
              <button
                type="button"
                className="button button-primary button-block"
                onClick={() => pay(mine, c)}
                disabled={gate.busy}
              >
                {gate.busy
                  ? t('common.processing')
                  : t('collection.pay', { amount: f.money(mine.amount, c.currency) })}
              </button>
            )}
            {mine?.paid && (
              <p className="collection-mine-paid" data-testid="my-share-paid">
                <CheckIcon size={18} />{' '}
                {organizer && mine.paidAt === null
                  ? t('collection.selfCounted')
                  : t('collection.youPaidAmount', { amount: f.money(mine.amount, c.currency) })}
              </p>
            )}
            {error && <ErrorText>{error}</ErrorText>}
          </section>

          <section className="card" aria-labelledby="shares-title">
            <h2 id="shares-title" className="card-title card-title-spaced">
              {t('collection.shares')}
            </h2>
            <ul className="people-list" data-testid="shares">
              {c.shares.map((s) => (
                <li key={s.userId} className="person-row" data-paid={s.paid}>
                  <Avatar name={s.nickname} id={s.userId} />
                  <span className="person-main">
                    <span className="person-name">
                      {s.userId === me.id ? `${s.nickname} (${t('feed.you')})` : s.nickname}
                    </span>
                    <span className="person-time">
                      {s.paid && s.paidAt
                        ? t('collection.paidAt', { time: f.shortDateTime(s.paidAt) })
                        : s.paid
                          ? t('collection.counted')
                          : t('collection.unpaid')}
                    </span>
                  </span>
                  <span className="claim-side">
                    <span className="claim-amount">{f.money(s.amount, c.currency)}</span>
                    <span className={`chip ${s.paid ? 'chip-completed' : 'chip-pending'}`}>
                      {s.paid ? t('collection.paid') : t('collection.notPaid')}
                    </span>
                  </span>
                </li>
              ))}
            </ul>
          </section>

          {organizer && c.status === 'open' && (
            <div className="button-row">
              <button
                type="button"
                className="button button-secondary"
                onClick={() => void remind()}
                disabled={busy}
              >
                {t('collection.remind')}
              </button>
              <button
                type="button"
                className="button button-danger-outline"
                onClick={() => setConfirmClose(true)}
                disabled={busy}
              >
                {t('collection.close')}
              </button>
            </div>
          )}
          <p className="muted small center page-foot">
            <Link to={`/groups/${c.groupId}?tab=collections`}>{t('collection.backToGroup')}</Link>
          </p>
        </>
      )}
      <ConfirmSheet
        open={confirmClose}
        title={t('collection.closeTitle')}
        body={t('collection.closeBody')}
        confirmLabel={t('collection.close')}
        danger
        busy={busy}
        onConfirm={() => void close()}
        onClose={() => setConfirmClose(false)}
      />
      {gate.sheet}
    </div>
  );
}
