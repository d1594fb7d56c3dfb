import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { type Credit, creditApi } from './credit-api.ts';

// Chart.js is loaded with the chart, not with the app.
const CreditChart = lazy(() =>
  import('../components/CreditChart.tsx').then((m) => ({ default: m.CreditChart })),
);

const MIN = 350;
const MAX = 950;

/** 信用分: the score, its band, what lowers it most, how to improve, and how it moved. */
export function CreditPage() {
  const { t } = useTranslation();
  const { data, error, loading } = useAsync(
    () => Promise.all([creditApi.credit(), creditApi.history()]),
    [],
    { refreshOnWalletChange: true },
  );

  return (
    <div className="page credit-page">
      <PageHeader title={t('credit.title')} back="/me" />
      {loading && !data ? (
        <Loading />
      ) : error ? (
        <ErrorText>{errorMessage(t, error)}</ErrorText>
      ) : data ? (
        <>
          <ScoreCard credit={data[0]} />
          <Reasons credit={data[0]} />
          <Factors credit={data[0]} />
          <Suspense
            fallback={
              <div className="card chart-card">
                <Loading />
              </div>
            }
          >
            <CreditChart points={data[1].items} current={data[0]} />
          </Suspense>
        </>
      ) : null}
    </div>
  );
}

function ScoreCard({ credit }: { credit: Credit }) {
  const { t } = useTranslation();
  const f = useFormat();
  // Where the score sits between 350 and 950, for the gauge.
  const share = (credit.score - MIN) / (MAX - MIN);
  return (
    <section className="card credit-score" aria-labelledby="credit-score-label">
      <p id="credit-score-label" className="muted small">
        {t('credit.scoreLabel')}
      </p>
      <p className="credit-figure" data-testid="credit-score">
        {credit.score}
      </p>
      <p className={`credit-band credit-band-${credit.band}`} data-testid="credit-band">
        {t(`credit.band.${credit.band}`)}
      </p>
      {/* Decorative: the figure above says the same in text. */}
      <div className="credit-gauge" aria-hidden="true">
        <span className="credit-gauge-fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      <p className="muted small">
        {t('credit.range')} · {t('credit.updated', { when: f.dateTime(credit.updatedAt) })}
      </p>
    </section>
  );
}

function Reasons({ credit }: { credit: Credit }) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="credit-reasons-title">
      <h2 id="credit-reasons-title" className="card-title">
        {t('credit.reasonsTitle')}
      </h2>
      {credit.reasons.length === 0 ? (
        <p className="muted" data-testid="credit-no-reasons">
          {t('credit.noReasons')}
        </p>
      ) : (
        <ol className="credit-reasons" data-testid="credit-reasons">
          {credit.reasons.map((r, i) => (
            <li key={r.code} className="credit-reason">
              <div>
                <p className="credit-reason-text">
                  {t(`credit.reason.${r.code}.text`, { defaultValue: r.text })}
                </p>
                <p className="muted small">
                  {t(`credit.reason.${r.code}.tip`, { defaultValue: credit.tips[i] ?? '' })}
                </p>
              </div>
              <span className="credit-impact" title={t('credit.impactHint')}>
                −{r.impact}
              </span>
            </li>
          ))}
        </ol>
      )}
      {credit.reasons.length === 0 && <p className="muted small">{t('credit.keepItUp')}</p>}
    </section>
  );
}

function Factors({ credit }: { credit: Credit }) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="credit-factors-title">
      <h2 id="credit-factors-title" className="card-title">
        {t('credit.factorsTitle')}
      </h2>
      <ul className="credit-factors">
        {credit.factors.map((factor) => (
          <li key={factor.dimension} className="credit-factor">
            <span className="credit-factor-name">
              {t(`credit.dimension.${factor.dimension}`)}
              <span className="muted small">
                {' '}
                · {t('credit.weight', { weight: factor.weight })}
              </span>
            </span>
            <span className="credit-bar" aria-hidden="true">
              <span className="credit-bar-fill" style={{ width: `${factor.score}%` }} />
            </span>
            <span className="credit-factor-score">{factor.score}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
