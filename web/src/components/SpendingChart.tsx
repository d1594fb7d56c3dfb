import {
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, type Statement } from '../api.ts';
import { errorMessage } from '../errors.ts';
import { lastMonths, useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { currencySymbol, toDecimalString } from '../money.ts';
import { ChevronIcon } from './icons.tsx';
import { ErrorText, Loading } from './ui.tsx';

ChartJS.register(BarElement, CategoryScale, LinearScale, Tooltip, Legend);
ChartJS.defaults.font.family =
  '-apple-system, BlinkMacSystemFont, "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "Segoe UI", Roboto, sans-serif';
ChartJS.defaults.color = '#5b6b66';

const COLORS: Record<string, string> = {
  transfer: '#0e7c70',
  withdrawal: '#e0a526',
  topup: '#7aa6e0',
};
const EXTRA = ['#c76b5a', '#8a6fcf', '#4f9d69', '#d4779b'];

/** Spending per month for the last six months, stacked by transaction type (from statements). */
export function SpendingChart({
  currency = 'CNY',
  months = 6,
}: {
  currency?: string;
  months?: number;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const keys = lastMonths(months);
  const { data, error, loading } = useAsync(
    () => Promise.all(keys.map((m) => api.statement(m, currency))),
    [currency, keys.join()],
    { refreshOnWalletChange: true },
  );

  if (loading && !data) return <Loading />;
  if (error) return <ErrorText>{errorMessage(t, error)}</ErrorText>;
  const statements: Statement[] = data ?? [];
  const types = [
    ...new Set(
      statements.flatMap((s) => s.byType.filter((b) => b.totalOut > 0).map((b) => b.type)),
    ),
  ].sort();
  const thisMonth = statements[statements.length - 1];
  const total = statements.reduce((sum, s) => sum + s.totalOut, 0);
  const summary = statements
    .map((s) => `${f.month(s.month, 'short')} ${f.money(s.totalOut, currency)}`)
    .join(t('common.listSeparator'));

  return (
    <section className="card chart-card" aria-labelledby="spending-title">
      <div className="card-head">
        <div>
          <h2 id="spending-title" className="card-title">
            {t('chart.title', { months })}
          </h2>
          <p className="muted small">
            {t('chart.thisMonth')}{' '}
            <strong className="chart-figure">{f.money(thisMonth?.totalOut ?? 0, currency)}</strong>
          </p>
        </div>
        {thisMonth && (
          <Link className="text-link" to={`/statements/${thisMonth.month}`}>
            {t('chart.statement')}
            <ChevronIcon size={16} />
          </Link>
        )}
      </div>
      {total === 0 ? (
        <p className="muted chart-empty">{t('chart.empty')}</p>
      ) : (
        <div
          className="chart-box"
          role="img"
          aria-label={`${t('chart.title', { months })}: ${summary}`}
        >
          <Bar
            data={{
              labels: statements.map((s) => f.month(s.month, 'short')),
              datasets: types.map((type, i) => ({
                label: t(`txType.${type}`, { defaultValue: type }),
                data: statements.map((s) => {
                  const minor = s.byType.find((b) => b.type === type)?.totalOut ?? 0;
                  // Chart.js needs numbers; for drawing only, never for arithmetic on money.
                  return Number(toDecimalString(minor, currency));
                }),
                backgroundColor: COLORS[type] ?? EXTRA[i % EXTRA.length],
                borderRadius: 6,
                maxBarThickness: 28,
              })),
            }}
            options={{
              responsive: true,
              maintainAspectRatio: false,
              animation: false,
              plugins: {
                legend: {
                  position: 'bottom',
                  labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true },
                },
                tooltip: {
                  callbacks: {
                    label: (ctx) => {
                      const type = types[ctx.datasetIndex]!;
                      const s = statements[ctx.dataIndex]!;
                      const minor = s.byType.find((b) => b.type === type)?.totalOut ?? 0;
                      return `${ctx.dataset.label}: ${f.money(minor, currency)}`;
                    },
                  },
                },
              },
              scales: {
                x: { stacked: true, grid: { display: false } },
                y: {
                  stacked: true,
                  beginAtZero: true,
                  grid: { color: '#e7eeeb' },
                  ticks: {
                    maxTicksLimit: 5,
                    callback: (v) => `${currencySymbol(currency, f.locale)}${v}`,
                  },
                },
              },
            }}
          />
        </div>
      )}
    </section>
  );
}
