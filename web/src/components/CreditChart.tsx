import {
  CategoryScale,
  Chart as ChartJS,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { Line } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../format.ts';
import type { Credit, CreditPoint } from '../pages/credit-api.ts';

ChartJS.register(LineElement, PointElement, CategoryScale, LinearScale, Tooltip);

/** The credit score over time: one point per change, a step line ending at today's score. */
export function CreditChart({ points, current }: { points: CreditPoint[]; current: Credit }) {
  const { t } = useTranslation();
  const f = useFormat();
  const day = new Intl.DateTimeFormat(f.locale, { month: 'short', day: 'numeric' });
  // The history is newest first, one point per change; the chart reads left to right, and
  // ends at today's score.
  const series = [...points].reverse();
  const last = series.at(-1);
  if (!last || last.score !== current.score) {
    series.push({ score: current.score, band: current.band, computedAt: current.updatedAt });
  }
  const summary = series
    .map((p) => `${f.shortDateTime(p.computedAt)} ${p.score}`)
    .join(t('common.listSeparator'));
  return (
    <section className="card chart-card" aria-labelledby="credit-history-title">
      <h2 id="credit-history-title" className="card-title">
        {t('credit.historyTitle')}
      </h2>
      {series.length < 2 ? <p className="muted chart-empty">{t('credit.historyEmpty')}</p> : null}
      <div className="chart-box">
        <Line
          // The canvas is an image to screen readers (react-chartjs-2 gives it role=img): its
          // points in words.
          aria-label={`${t('credit.historyTitle')}: ${summary}`}
          data={{
            labels: series.map((p) => day.format(new Date(p.computedAt))),
            datasets: [
              {
                label: t('credit.scoreLabel'),
                data: series.map((p) => p.score),
                borderColor: '#0e7c70',
                backgroundColor: '#0e7c70',
                pointRadius: 3,
                tension: 0,
                stepped: 'before',
              },
            ],
          }}
          options={{
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: { legend: { display: false } },
            scales: {
              x: { grid: { display: false }, ticks: { maxTicksLimit: 6 } },
              y: { suggestedMin: 500, suggestedMax: 800, grid: { color: '#e7eeeb' } },
            },
          }}
        />
      </div>
    </section>
  );
}
