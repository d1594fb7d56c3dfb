import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, type HistoryFilter, type Transaction } from '../api.ts';
import { DownloadIcon } from '../components/icons.tsx';
import { TxRow } from '../components/TxRow.tsx';
import { EmptyState, ErrorText, Field, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { onWalletChanged } from '../events.ts';
import { dayStartIso } from '../format.ts';

// Chart.js is the biggest dependency; it loads with the first screen that draws a chart.
const SpendingChart = lazy(() =>
  import('../components/SpendingChart.tsx').then((m) => ({ default: m.SpendingChart })),
);

export const TX_TYPES = ['transfer', 'topup', 'withdrawal'] as const;

function toFilter(params: URLSearchParams): HistoryFilter {
  const type = params.get('type') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    ...((TX_TYPES as readonly string[]).includes(type) ? { type } : {}),
    ...(/^\d{4}-\d{2}-\d{2}$/.test(from) ? { from: dayStartIso(from) } : {}),
    // The end date is inclusive for the user: up to the start of the next day.
    ...(/^\d{4}-\d{2}-\d{2}$/.test(to) ? { to: dayStartIso(to, 1) } : {}),
  };
}

export function HistoryPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const filter = toFilter(params);
  const filterKey = JSON.stringify(filter);
  const [items, setItems] = useState<Transaction[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [version, setVersion] = useState(0);

  useEffect(() => onWalletChanged(() => setVersion((v) => v + 1)), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey stands for the filter
  useEffect(() => {
    let stale = false;
    setLoading(true);
    setError(undefined);
    api.transactions({ ...filter, limit: 20 }).then(
      (page) => {
        if (stale) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (stale) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      stale = true;
    };
  }, [filterKey, version]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await api.transactions({ ...filter, limit: 20, cursor });
      setItems((list) => [...list, ...page.items.filter((x) => !list.some((y) => y.id === x.id))]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const filtered = Boolean(params.get('type') || params.get('from') || params.get('to'));

  return (
    <div className="page">
      <PageHeader
        title={t('history.title')}
        back
        right={
          <a
            className="icon-button"
            href={api.csvUrl(filter)}
            download="hebao-transactions.csv"
            aria-label={t('history.csv')}
            title={t('history.csv')}
          >
            <DownloadIcon />
          </a>
        }
      />
      <Suspense
        fallback={
          <div className="card chart-card">
            <Loading />
          </div>
        }
      >
        <SpendingChart />
      </Suspense>

      <section className="card" aria-labelledby="history-list-title">
        <h2 id="history-list-title" className="visually-hidden">
          {t('history.list')}
        </h2>
        <form
          className="filters"
          onSubmit={(e) => e.preventDefault()}
          aria-label={t('history.filters')}
        >
          <Field label={t('history.type')}>
            {(p) => (
              <select
                {...p}
                value={params.get('type') ?? ''}
                onChange={(e) => set('type', e.target.value)}
              >
                <option value="">{t('history.allTypes')}</option>
                {TX_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {t(`txType.${type}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('history.from')}>
            {(p) => (
              <input
                {...p}
                type="date"
                value={params.get('from') ?? ''}
                max={params.get('to') ?? undefined}
                onChange={(e) => set('from', e.target.value)}
              />
            )}
          </Field>
          <Field label={t('history.to')}>
            {(p) => (
              <input
                {...p}
                type="date"
                value={params.get('to') ?? ''}
                min={params.get('from') ?? undefined}
                onChange={(e) => set('to', e.target.value)}
              />
            )}
          </Field>
          {filtered && (
            <button
              type="button"
              className="link-button filters-clear"
              onClick={() => setParams({}, { replace: true })}
            >
              {t('history.clear')}
            </button>
          )}
        </form>

        {error ? <ErrorText>{errorMessage(t, error)}</ErrorText> : null}
        {items.length === 0 && loading ? (
          <Loading />
        ) : items.length === 0 && !error ? (
          <EmptyState
            title={filtered ? t('history.emptyFiltered') : t('history.empty')}
            hint={filtered ? undefined : t('history.emptyHint')}
          />
        ) : (
          <ul className="tx-list" aria-busy={loading}>
            {items.map((tx) => (
              <TxRow key={tx.id} tx={tx} />
            ))}
          </ul>
        )}
        {cursor && (
          <button
            type="button"
            className="button button-secondary button-block load-more"
            onClick={() => void loadMore()}
            disabled={loading}
          >
            {loading ? t('common.loading') : t('history.loadMore')}
          </button>
        )}
        {!cursor && items.length > 0 && (
          <p className="muted small center list-end">{t('history.end')}</p>
        )}
      </section>
    </div>
  );
}
