import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api.ts';
import { BackIcon, ChevronIcon, DownloadIcon } from '../components/icons.tsx';
import { EmptyState, ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { monthKey, useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';

function shift(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return monthKey(new Date(y, m - 1 + by, 1));
}

/** One month's statement: opening and closing balance, money in and out, totals by type. */
export function StatementPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const params = useParams();
  const current = monthKey(new Date());
  const month =
    params.month && /^\d{4}-(0[1-9]|1[0-2])$/.test(params.month) ? params.month : current;
  const { data, error, loading } = useAsync(() => api.statement(month), [month], {
    refreshOnWalletChange: true,
  });
  const [y, m] = month.split('-').map(Number) as [number, number];
  const csv = api.csvUrl({
    from: new Date(y, m - 1, 1).toISOString(),
    to: new Date(y, m, 1).toISOString(),
  });

  return (
    <div className="page">
      <PageHeader
        title={t('statement.title')}
        back
        right={
          <a
            className="icon-button"
            href={csv}
            download={`hebao-${month}.csv`}
            aria-label={t('statement.csv')}
            title={t('statement.csv')}
          >
            <DownloadIcon />
          </a>
        }
      />
      <nav className="month-nav" aria-label={t('statement.months')}>
        <Link
          className="icon-button"
          to={`/statements/${shift(month, -1)}`}
          aria-label={t('statement.previous')}
        >
          <BackIcon />
        </Link>
        <h2 className="month-title" aria-live="polite">
          {f.month(month)}
        </h2>
        {month < current ? (
          <Link
            className="icon-button"
            to={`/statements/${shift(month, 1)}`}
            aria-label={t('statement.next')}
          >
            <ChevronIcon />
          </Link>
        ) : (
          <span className="icon-button-spacer" />
        )}
      </nav>
      {error ? (
        <ErrorText>{errorMessage(t, error)}</ErrorText>
      ) : loading || !data ? (
        <Loading />
      ) : (
        <>
          <section className="card statement-summary" aria-label={t('statement.summary')}>
            <div className="stat">
              <span className="stat-label">{t('statement.in')}</span>
              <span className="stat-value tx-in">{f.money(data.totalIn, data.currency)}</span>
            </div>
            <div className="stat">
              <span className="stat-label">{t('statement.out')}</span>
              <span className="stat-value">{f.money(data.totalOut, data.currency)}</span>
            </div>
            <dl className="details details-compact">
              <div>
                <dt>{t('statement.opening')}</dt>
                <dd>{f.money(data.openingBalance, data.currency)}</dd>
              </div>
              <div>
                <dt>{t('statement.closing')}</dt>
                <dd>{f.money(data.closingBalance, data.currency)}</dd>
              </div>
              <div>
                <dt>{t('statement.count')}</dt>
                <dd>{data.count}</dd>
              </div>
            </dl>
          </section>
          <section className="card" aria-labelledby="by-type">
            <h2 id="by-type" className="card-title">
              {t('statement.byType')}
            </h2>
            {data.byType.length === 0 ? (
              <EmptyState title={t('statement.empty')} />
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('statement.type')}</th>
                    <th scope="col" className="num">
                      {t('statement.in')}
                    </th>
                    <th scope="col" className="num">
                      {t('statement.out')}
                    </th>
                    <th scope="col" className="num">
                      {t('statement.countShort')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.byType.map((row) => (
                    <tr key={row.type}>
                      <th scope="row">{t(`txType.${row.type}`, { defaultValue: row.type })}</th>
                      <td className="num">{f.money(row.totalIn, data.currency)}</td>
                      <td className="num">{f.money(row.totalOut, data.currency)}</td>
                      <td className="num">{row.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </div>
  );
}
