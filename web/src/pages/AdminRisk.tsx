import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../api.ts';
import { EmptyState, ErrorText, Field, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';

interface Rule {
  id: string;
  version: number;
  name: string;
  description: string;
  appliesTo: string[];
  when: unknown;
  action: 'challenge' | 'hold' | 'deny';
  status: 'draft' | 'active' | 'inactive';
}
interface Hold {
  id: string;
  status: string;
  user: { id: string; nickname: string };
  kind: string;
  amount: number;
  currency: string;
  reason: string;
  createdAt: string;
}
interface DryRun {
  evaluated: number;
  matched: number;
  byAction: Record<string, number>;
  samples: { at: string; userId: string; kind: string; amount: number; decidedThen: string }[];
}

const admin = {
  rules: () => request<{ items: Rule[] }>('GET', '/admin/risk/rules'),
  save: (id: string | null, body: object) =>
    id
      ? request<Rule>('PUT', `/admin/risk/rules/${id}`, { body })
      : request<Rule>('POST', '/admin/risk/rules', { body }),
  toggle: (id: string, on: boolean) =>
    request<Rule>('POST', `/admin/risk/rules/${id}/${on ? 'activate' : 'deactivate'}`, {
      body: {},
    }),
  dryRun: (id: string, from: string, to: string) =>
    request<DryRun>('POST', `/admin/risk/rules/${id}/dry-run`, { body: { from, to } }),
  holds: () => request<{ items: Hold[] }>('GET', '/admin/risk/holds'),
  decide: (id: string, decision: 'release' | 'reject') =>
    request<Hold>('POST', `/admin/risk/holds/${id}/${decision}`, { body: {} }),
  user: (id: string) =>
    request<{
      decisions: { id: string; at: string; kind: string; amount: number; action: string }[];
      holds: Hold[];
    }>('GET', `/admin/risk/users/${encodeURIComponent(id)}`),
};

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** The risk console: rules (edit, dry-run, activate), holds (release, reject), a user's history. */
export function AdminRiskPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const rules = useAsync(() => admin.rules(), []);
  const holds = useAsync(() => admin.holds(), []);
  const [editing, setEditing] = useState<Rule | null>(null);
  const [draft, setDraft] = useState({
    name: '',
    appliesTo: 'transfer',
    when: '',
    action: 'challenge',
  });
  const [from, setFrom] = useState(day(-7));
  const [to, setTo] = useState(day(1));
  const [result, setResult] = useState<{ rule: string; run: DryRun } | null>(null);
  const [error, setError] = useState<string>();
  const [userId, setUserId] = useState('');
  const [history, setHistory] = useState<Awaited<ReturnType<typeof admin.user>> | null>(null);

  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      rules.reload();
      holds.reload();
    } catch (err) {
      setError(errorMessage(t, err));
    }
  };

  const edit = (r: Rule | null) => {
    setEditing(r);
    setDraft({
      name: r?.name ?? '',
      appliesTo: (r?.appliesTo ?? ['transfer']).join(','),
      when: JSON.stringify(
        r?.when ?? { all: [{ fact: 'amount', op: 'gte', value: 100000 }] },
        null,
        2,
      ),
      action: r?.action ?? 'challenge',
    });
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    let when: unknown;
    try {
      when = JSON.parse(draft.when);
    } catch {
      setError(t('adminRisk.badJson'));
      return;
    }
    void act(async () => {
      await admin.save(editing?.id ?? null, {
        name: draft.name,
        appliesTo: draft.appliesTo
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        when,
        action: draft.action,
      });
      setEditing(null);
      setDraft({ ...draft, name: '' });
    });
  };

  return (
    <>
      <PageHeader title={t('adminRisk.title')} back="/me" />
      <div className="page admin-risk">
        {error && <ErrorText>{error}</ErrorText>}
        <section aria-labelledby="rules-h">
          <h2 id="rules-h">{t('adminRisk.rules')}</h2>
          <div className="row">
            <Field label={t('adminRisk.from')}>
              {(p) => (
                <input {...p} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
              )}
            </Field>
            <Field label={t('adminRisk.to')}>
              {(p) => (
                <input {...p} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
              )}
            </Field>
          </div>
          {rules.loading && !rules.data ? (
            <Loading />
          ) : rules.data?.items.length === 0 ? (
            <EmptyState title={t('adminRisk.noRules')} />
          ) : (
            <ul className="menu">
              {rules.data?.items.map((r) => (
                <li key={r.id} className="menu-item menu-item-static risk-rule" data-rule={r.name}>
                  <span className="menu-label">
                    {r.name}{' '}
                    <span className="muted">
                      v{r.version} · {t(`adminRisk.action.${r.action}`)} ·{' '}
                      {t(`adminRisk.status.${r.status}`)}
                    </span>
                  </span>
                  <span className="risk-rule-buttons">
                    <button type="button" className="button button-small" onClick={() => edit(r)}>
                      {t('adminRisk.edit')}
                    </button>
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() =>
                        void act(async () => {
                          const run = await admin.dryRun(
                            r.id,
                            new Date(from).toISOString(),
                            new Date(to).toISOString(),
                          );
                          setResult({ rule: r.name, run });
                        })
                      }
                    >
                      {t('adminRisk.dryRun')}
                    </button>
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => void act(() => admin.toggle(r.id, r.status !== 'active'))}
                    >
                      {r.status === 'active' ? t('adminRisk.deactivate') : t('adminRisk.activate')}
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
          {result && (
            <div className="card" role="status" aria-label={t('adminRisk.dryRunResult')}>
              <p>
                {t('adminRisk.dryRunSummary', {
                  rule: result.rule,
                  evaluated: result.run.evaluated,
                  matched: result.run.matched,
                })}
              </p>
              <ul>
                {Object.entries(result.run.byAction).map(([action, n]) => (
                  <li key={action}>
                    {t(`adminRisk.action.${action}`)}: {n}
                  </li>
                ))}
              </ul>
              {result.run.samples.map((s) => (
                <p key={`${s.at}${s.userId}`} className="muted">
                  {f.shortDateTime(s.at)} · {s.kind} · {f.money(s.amount)} · {s.userId}
                </p>
              ))}
            </div>
          )}
          <form onSubmit={save} className="form card">
            <h3>
              {editing ? t('adminRisk.editing', { name: editing.name }) : t('adminRisk.newRule')}
            </h3>
            <Field label={t('adminRisk.name')}>
              {(p) => (
                <input
                  {...p}
                  required
                  value={draft.name}
                  onChange={(e) => setDraft({ ...draft, name: e.target.value })}
                />
              )}
            </Field>
            <Field
              label={t('adminRisk.appliesTo')}
              hint="transfer, withdrawal, red_packet, group_spend, …"
            >
              {(p) => (
                <input
                  {...p}
                  value={draft.appliesTo}
                  onChange={(e) => setDraft({ ...draft, appliesTo: e.target.value })}
                />
              )}
            </Field>
            <Field label={t('adminRisk.when')}>
              {(p) => (
                <textarea
                  {...p}
                  rows={6}
                  value={draft.when}
                  onChange={(e) => setDraft({ ...draft, when: e.target.value })}
                />
              )}
            </Field>
            <Field label={t('adminRisk.actionLabel')}>
              {(p) => (
                <select
                  {...p}
                  value={draft.action}
                  onChange={(e) => setDraft({ ...draft, action: e.target.value })}
                >
                  {['challenge', 'hold', 'deny'].map((a) => (
                    <option key={a} value={a}>
                      {t(`adminRisk.action.${a}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <button type="submit" className="button button-primary button-block">
              {editing ? t('adminRisk.saveVersion') : t('adminRisk.create')}
            </button>
          </form>
        </section>
        <section aria-labelledby="holds-h">
          <h2 id="holds-h">{t('adminRisk.holds')}</h2>
          {holds.data?.items.length === 0 ? (
            <EmptyState title={t('adminRisk.noHolds')} />
          ) : (
            <ul className="menu">
              {holds.data?.items.map((h) => (
                <li key={h.id} className="menu-item menu-item-static">
                  <span className="menu-label">
                    {h.user.nickname} · {h.kind} · {f.money(h.amount, h.currency)}
                    <span className="muted"> {f.shortDateTime(h.createdAt)}</span>
                  </span>
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => void act(() => admin.decide(h.id, 'release'))}
                  >
                    {t('adminRisk.release')}
                  </button>
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => void act(() => admin.decide(h.id, 'reject'))}
                  >
                    {t('adminRisk.reject')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="user-h">
          <h2 id="user-h">{t('adminRisk.userHistory')}</h2>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => setHistory(await admin.user(userId.trim())));
            }}
          >
            <Field label={t('adminRisk.userId')}>
              {(p) => <input {...p} value={userId} onChange={(e) => setUserId(e.target.value)} />}
            </Field>
            <button type="submit" className="button">
              {t('adminRisk.look')}
            </button>
          </form>
          {history &&
            (history.decisions.length === 0 && history.holds.length === 0 ? (
              <EmptyState title={t('adminRisk.clean')} />
            ) : (
              <ul className="menu">
                {history.decisions.map((d) => (
                  <li key={d.id} className="menu-item menu-item-static">
                    {f.shortDateTime(d.at)} · {d.kind} · {f.money(d.amount)} ·{' '}
                    {t(`adminRisk.action.${d.action}`)}
                  </li>
                ))}
                {history.holds.map((h) => (
                  <li key={h.id} className="menu-item menu-item-static">
                    {t('adminRisk.holdLine', { status: h.status })} · {h.kind} ·{' '}
                    {f.money(h.amount, h.currency)}
                  </li>
                ))}
              </ul>
            ))}
        </section>
      </div>
    </>
  );
}
