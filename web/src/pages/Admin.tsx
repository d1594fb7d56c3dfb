import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate } from 'react-router';
import { useMe } from '../auth.tsx';
import { RuleList } from '../components/circle-ui.tsx';
import { PagedList } from '../components/social-ui.tsx';
import {
  ConfirmSheet,
  EmptyState,
  ErrorText,
  Loading,
  PageHeader,
  Sheet,
} from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useToast } from '../toast.tsx';
import {
  type AdminCircle,
  type Attribute,
  admin,
  circles,
  type ReviewItem,
} from './circles-api.ts';

const TABS = ['reviews', 'bans', 'circles', 'policy', 'audit', 'ledger'] as const;
type Tab = (typeof TABS)[number];

/** The operators' console: review queue, bans, circles, the rule policy, the audit log, the ledger. */
export function AdminPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [tab, setTab] = useState<Tab>('reviews');
  if (me.role !== 'admin') return <Navigate to="/me" replace />;
  return (
    <div className="page admin-page">
      <PageHeader title={t('admin.title')} back="/me" />
      <div className="admin-tabs" role="tablist" aria-label={t('admin.title')}>
        {TABS.map((x) => (
          <button
            key={x}
            type="button"
            role="tab"
            id={`admin-tab-${x}`}
            aria-selected={tab === x}
            aria-controls="admin-panel"
            className={`segment admin-tab${tab === x ? ' segment-on' : ''}`}
            onClick={() => setTab(x)}
          >
            {t(`admin.tabs.${x}`)}
          </button>
        ))}
      </div>
      <div id="admin-panel" role="tabpanel" aria-labelledby={`admin-tab-${tab}`}>
        {tab === 'reviews' && <ReviewQueue />}
        {tab === 'bans' && <Bans />}
        {tab === 'circles' && <AdminCircles />}
        {tab === 'policy' && <Policy />}
        {tab === 'audit' && <Audit />}
        {tab === 'ledger' && <Ledger />}
      </div>
    </div>
  );
}

// ---------------------------------------------------------------------------------- queue

function ReviewQueue() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<'open' | 'closed'>('open');
  const [deciding, setDeciding] = useState<ReviewItem>();
  const list = usePaged(
    (cursor) => admin.reviews(status, cursor),
    (i) => i.id,
    [status],
  );
  return (
    <>
      <fieldset className="segmented segmented-small">
        <legend className="visually-hidden">{t('admin.queue.status')}</legend>
        {(['open', 'closed'] as const).map((s) => (
          <button
            key={s}
            type="button"
            className={`segment${status === s ? ' segment-on' : ''}`}
            aria-pressed={status === s}
            onClick={() => setStatus(s)}
          >
            {t(`admin.queue.${s}`)}
          </button>
        ))}
      </fieldset>
      <PagedList list={list} empty={<EmptyState title={t('admin.queue.empty')} />}>
        <ul className="review-list">
          {list.items.map((item) => (
            <li key={item.id}>
              <ReviewCard
                item={item}
                onDecide={status === 'open' ? () => setDeciding(item) : undefined}
              />
            </li>
          ))}
        </ul>
      </PagedList>
      {deciding && (
        <DecisionSheet
          item={deciding}
          onClose={() => setDeciding(undefined)}
          onDone={() => {
            setDeciding(undefined);
            list.reload();
          }}
        />
      )}
    </>
  );
}

function ReviewCard({ item, onDecide }: { item: ReviewItem; onDecide?: (() => void) | undefined }) {
  const { t } = useTranslation();
  const { dateTime } = useFormat();
  const c = item.content;
  return (
    <article
      className="card review-card"
      aria-label={t(`admin.target.${item.target.type}`, { defaultValue: item.target.type })}
    >
      <header className="review-head">
        <span className="chip">
          {t(`admin.target.${item.target.type}`, { defaultValue: item.target.type })}
        </span>
        {item.heldByFilter && <span className="chip chip-pending">{t('admin.queue.held')}</span>}
        <span className="review-count">
          {t('admin.queue.reports', { count: item.reportCount })}
        </span>
      </header>
      <p className="review-reasons">
        {Object.entries(item.reasons).map(([reason, count]) => (
          <span key={reason} className="chip chip-failed">
            {t(`report.reasons.${reason}`)} × {count}
          </span>
        ))}
      </p>
      {c ? (
        <div className="review-content">
          <p className="muted small">
            {c.circle && t('admin.queue.inCircle', { name: c.circle.name })}
            {c.where === 'moments' && t('admin.queue.inMoments')}
            {c.author && ` · ${c.author.nickname}`}
            {c.createdAt && ` · ${dateTime(c.createdAt)}`}
          </p>
          {c.inReplyTo && <blockquote className="review-context">{c.inReplyTo.text}</blockquote>}
          <p className="review-text">{c.kind === 'user' ? c.nickname : c.text}</p>
          {typeof c.mediaCount === 'number' && c.mediaCount > 0 && (
            <p className="muted small">{t('admin.queue.media', { count: c.mediaCount })}</p>
          )}
          {c.status === 'removed' && (
            <span className="chip chip-failed">{t('admin.queue.removed')}</span>
          )}
        </div>
      ) : (
        <p className="muted small">{t('admin.queue.noContent')}</p>
      )}
      {item.decision && (
        <p className="muted small">
          {t(`admin.decision.${item.decision.action}`)} · {item.decision.note} ·{' '}
          {dateTime(item.decision.decidedAt)}
        </p>
      )}
      {onDecide && (
        <button type="button" className="button button-primary button-small" onClick={onDecide}>
          {t('admin.queue.decide')}
        </button>
      )}
    </article>
  );
}

function DecisionSheet({
  item,
  onClose,
  onDone,
}: {
  item: ReviewItem;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const toast = useToast();
  const id = useId();
  const [action, setAction] = useState<'dismiss' | 'take_down' | 'ban_author'>('take_down');
  const [note, setNote] = useState('');
  const [days, setDays] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const canTakeDown = !['user', 'red_packet'].includes(item.target.type);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await admin.decide(item.id, {
        action,
        note: note.trim(),
        ...(action === 'ban_author' && days.trim() ? { banDays: Number(days) } : {}),
      });
      toast(t(`admin.decision.${action}`));
      onDone();
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Sheet open onClose={onClose} labelledBy={id}>
      <form className="sheet-body" onSubmit={submit}>
        <h2 id={id} className="sheet-title">
          {t('admin.queue.decide')}
        </h2>
        <fieldset className="report-reasons">
          <legend className="visually-hidden">{t('admin.queue.decide')}</legend>
          {(['dismiss', 'take_down', 'ban_author'] as const)
            .filter((a) => a !== 'take_down' || canTakeDown)
            .map((a) => (
              <label key={a} className="radio-row">
                <input
                  type="radio"
                  name="action"
                  checked={action === a}
                  onChange={() => setAction(a)}
                />
                <span>{t(`admin.decision.${a}`)}</span>
              </label>
            ))}
        </fieldset>
        {action === 'ban_author' && (
          <label className="field admin-field">
            <span>{t('admin.bans.days')}</span>
            <input
              className="circle-input"
              inputMode="numeric"
              pattern="[0-9]*"
              placeholder={t('admin.bans.permanentHint')}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          </label>
        )}
        <label className="field admin-field">
          <span>{t('admin.queue.note')}</span>
          <textarea
            className="circle-input"
            required
            rows={2}
            maxLength={500}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            data-autofocus
          />
        </label>
        {error && <ErrorText>{error}</ErrorText>}
        <div className="button-row">
          <button type="button" className="button button-secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            className={`button ${action === 'dismiss' ? 'button-primary' : 'button-danger'}`}
            disabled={busy || !note.trim()}
          >
            {t('admin.queue.confirm')}
          </button>
        </div>
      </form>
    </Sheet>
  );
}

// ---------------------------------------------------------------------------------- bans

function Bans() {
  const { t } = useTranslation();
  const toast = useToast();
  const { dateTime } = useFormat();
  const [status, setStatus] = useState<'active' | 'all'>('active');
  const [lifting, setLifting] = useState<string>();
  const list = usePaged(
    (cursor) => admin.bans(status, cursor),
    (b) => b.id,
    [status],
  );
  const [userId, setUserId] = useState('');
  const [days, setDays] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const ban = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await admin.ban(userId.trim(), {
        reason: reason.trim(),
        ...(days.trim() ? { days: Number(days) } : {}),
      });
      setUserId('');
      setDays('');
      setReason('');
      toast(t('admin.bans.done'));
      list.reload();
    } catch (err) {
      setError(errorMessage(t, err, { not_found: 'admin.bans.noUser' }));
    }
  };
  return (
    <>
      <form className="card form-card admin-ban-form" onSubmit={ban}>
        <h2 className="card-title">{t('admin.bans.new')}</h2>
        <label className="field admin-field">
          <span>{t('admin.bans.userId')}</span>
          <input
            required
            maxLength={100}
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
          />
        </label>
        <label className="field admin-field">
          <span>{t('admin.bans.days')}</span>
          <input
            className="circle-input"
            inputMode="numeric"
            pattern="[0-9]*"
            placeholder={t('admin.bans.permanentHint')}
            value={days}
            onChange={(e) => setDays(e.target.value)}
          />
        </label>
        <label className="field admin-field">
          <span>{t('admin.bans.reason')}</span>
          <input
            required
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        </label>
        {error && <ErrorText>{error}</ErrorText>}
        <button type="submit" className="button button-danger button-small">
          {t('admin.bans.submit')}
        </button>
      </form>
      <fieldset className="segmented segmented-small">
        <legend className="visually-hidden">{t('admin.tabs.bans')}</legend>
        {(['active', 'all'] as const).map((s) => (
          <button
            key={s}
            type="button"
            className={`segment${status === s ? ' segment-on' : ''}`}
            aria-pressed={status === s}
            onClick={() => setStatus(s)}
          >
            {t(`admin.bans.${s}`)}
          </button>
        ))}
      </fieldset>
      <PagedList list={list} empty={<EmptyState title={t('admin.bans.empty')} />}>
        <ul className="ban-list">
          {list.items.map((b) => (
            <li key={b.id} className="card ban-card">
              <p className="admin-line">
                <strong>{b.nickname}</strong>{' '}
                <span className={`chip ${b.permanent ? 'chip-failed' : 'chip-pending'}`}>
                  {b.permanent
                    ? t('admin.bans.permanent')
                    : t('admin.bans.until', { time: dateTime(b.until!) })}
                </span>
                {!b.active && (
                  <span className="chip">
                    {b.liftedAt ? t('admin.bans.lifted') : t('admin.bans.ended')}
                  </span>
                )}
              </p>
              <p className="muted small">
                {b.reason} · {dateTime(b.createdAt)}
              </p>
              {b.permanent && (
                <p className="muted small">
                  {t('admin.bans.covers', { devices: b.covers.devices })}
                  {b.covers.identity ? ` · ${t('admin.bans.coversIdentity')}` : ''}
                </p>
              )}
              {b.active && (
                <button type="button" className="link-button" onClick={() => setLifting(b.id)}>
                  {t('admin.bans.lift')}
                </button>
              )}
            </li>
          ))}
        </ul>
      </PagedList>
      <ConfirmSheet
        open={lifting !== undefined}
        title={t('admin.bans.liftConfirm')}
        confirmLabel={t('admin.bans.lift')}
        onClose={() => setLifting(undefined)}
        onConfirm={async () => {
          try {
            await admin.lift(lifting!);
            list.reload();
          } catch (err) {
            toast(errorMessage(t, err), 'error');
          }
          setLifting(undefined);
        }}
      />
    </>
  );
}

// ---------------------------------------------------------------------------------- circles

function AdminCircles() {
  const { t } = useTranslation();
  const toast = useToast();
  const list = usePaged(
    (cursor) => admin.circles(cursor),
    (c) => c.id,
    [],
  );
  const [dissolving, setDissolving] = useState<AdminCircle>();
  const [reason, setReason] = useState('');
  const id = useId();
  return (
    <>
      <PagedList list={list} empty={<EmptyState title={t('circles.empty')} />}>
        <ul className="circle-list">
          {list.items.map((c) => (
            <li key={c.id} className="card admin-circle">
              <p className="admin-line">
                <strong>{c.name}</strong>{' '}
                <span
                  className={`chip ${c.status === 'active' ? 'chip-completed' : 'chip-failed'}`}
                >
                  {t(`admin.circles.${c.status}`)}
                </span>{' '}
                <span className="muted small">
                  {t('circles.members', { count: c.memberCount })}
                </span>
              </p>
              {c.forbiddenInUse.length > 0 && (
                <p className="notice notice-warn">
                  {t('admin.circles.flagged', {
                    attributes: c.forbiddenInUse
                      .map((a) => t(`circles.attr.${a}`))
                      .join(t('common.listSeparator')),
                  })}
                </p>
              )}
              <RuleList rules={c.rules} action="view" />
              <RuleList rules={c.rules} action="post" />
              <RuleList rules={c.rules} action="comment" />
              {c.status === 'active' && (
                <button
                  type="button"
                  className="button button-danger button-small"
                  onClick={() => {
                    setReason('');
                    setDissolving(c);
                  }}
                >
                  {t('admin.circles.dissolve')}
                </button>
              )}
              {c.dissolvedReason && <p className="muted small">{c.dissolvedReason}</p>}
            </li>
          ))}
        </ul>
      </PagedList>
      <Sheet
        open={dissolving !== undefined}
        onClose={() => setDissolving(undefined)}
        labelledBy={id}
      >
        <form
          className="sheet-body"
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              await admin.dissolve(dissolving!.id, reason.trim());
              setDissolving(undefined);
              list.reload();
            } catch (err) {
              toast(errorMessage(t, err), 'error');
            }
          }}
        >
          <h2 id={id} className="sheet-title">
            {t('admin.circles.dissolveTitle', { name: dissolving?.name ?? '' })}
          </h2>
          <label className="field admin-field">
            <span>{t('admin.queue.note')}</span>
            <textarea
              className="circle-input"
              required
              rows={2}
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              data-autofocus
            />
          </label>
          <div className="button-row">
            <button
              type="button"
              className="button button-secondary"
              onClick={() => setDissolving(undefined)}
            >
              {t('common.cancel')}
            </button>
            <button type="submit" className="button button-danger" disabled={!reason.trim()}>
              {t('admin.circles.dissolve')}
            </button>
          </div>
        </form>
      </Sheet>
    </>
  );
}

// ---------------------------------------------------------------------------------- policy

const ALL: Attribute[] = [
  'verified',
  'age',
  'gender',
  'student',
  'city',
  'creditScore',
  'memberDays',
];

function Policy() {
  const { t } = useTranslation();
  const toast = useToast();
  const current = useAsync(() => circles.ruleAttributes(), []);
  const [chosen, setChosen] = useState<Set<Attribute>>();
  const [error, setError] = useState<string>();
  if (current.error) return <ErrorText>{errorMessage(t, current.error)}</ErrorText>;
  if (!current.data) return <Loading />;
  const selected = chosen ?? new Set(current.data.forbidden);
  return (
    <form
      className="card form-card"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        try {
          await admin.setPolicy(ALL.filter((a) => selected.has(a)));
          toast(t('admin.policy.saved'));
          current.reload();
          setChosen(undefined);
        } catch (err) {
          setError(errorMessage(t, err));
        }
      }}
    >
      <fieldset>
        <legend className="card-title">{t('admin.policy.title')}</legend>
        <p className="muted small">{t('admin.policy.hint')}</p>
        {ALL.map((a) => (
          <label key={a} className="radio-row">
            <input
              type="checkbox"
              checked={selected.has(a)}
              onChange={(e) => {
                const next = new Set(selected);
                if (e.target.checked) next.add(a);
                else next.delete(a);
                setChosen(next);
              }}
            />
            <span>{t(`circles.attr.${a}`)}</span>
          </label>
        ))}
      </fieldset>
      {error && <ErrorText>{error}</ErrorText>}
      <button type="submit" className="button button-primary button-small">
        {t('admin.policy.save')}
      </button>
    </form>
  );
}

// ---------------------------------------------------------------------------------- audit

function Audit() {
  const { t } = useTranslation();
  const { dateTime } = useFormat();
  const list = usePaged(
    (cursor) => admin.audit(cursor),
    (e) => e.id,
    [],
  );
  return (
    <PagedList list={list} empty={<EmptyState title={t('admin.audit.empty')} />}>
      <ul className="audit-list">
        {list.items.map((e) => (
          <li key={e.id} className="card audit-entry">
            <p className="admin-line">
              <strong>
                {t(`admin.audit.actions.${e.action.replace('.', '_')}`, { defaultValue: e.action })}
              </strong>{' '}
              <span className="muted small">{dateTime(e.createdAt)}</span>
            </p>
            <p className="muted small mono">
              {e.target.type}:{e.target.id} · {e.actorId.slice(0, 8)}
            </p>
            {Object.keys(e.detail).length > 0 && (
              <pre className="audit-detail">{JSON.stringify(e.detail, null, 1)}</pre>
            )}
          </li>
        ))}
      </ul>
    </PagedList>
  );
}

// ---------------------------------------------------------------------------------- ledger

function Ledger() {
  const { t } = useTranslation();
  const [run, setRun] = useState(0);
  const report = useAsync(() => (run ? admin.ledger() : Promise.resolve(undefined)), [run]);
  return (
    <section className="card">
      <button
        type="button"
        className="button button-primary button-small"
        onClick={() => setRun((n) => n + 1)}
      >
        {t('admin.ledger.run')}
      </button>
      {run > 0 && report.loading && <Loading />}
      {report.error ? <ErrorText>{errorMessage(t, report.error)}</ErrorText> : null}
      {report.data && (
        <div className="ledger-report" role="status">
          <p className={report.data.ok ? 'access-yes' : 'access-no'}>
            {report.data.ok
              ? t('admin.ledger.ok')
              : t('admin.ledger.problems', { count: report.data.problems.length })}
          </p>
          <p className="muted small">
            {t('admin.ledger.accounts', { count: report.data.accountsChecked })}
          </p>
          <ul>
            {report.data.currencies.map((c) => (
              <li key={c.currency} className="mono small">
                {c.currency}: {c.totalDebits} / {c.totalCredits}
              </li>
            ))}
          </ul>
          {report.data.problems.length > 0 && (
            <pre className="audit-detail">{JSON.stringify(report.data.problems, null, 1)}</pre>
          )}
        </div>
      )}
    </section>
  );
}
