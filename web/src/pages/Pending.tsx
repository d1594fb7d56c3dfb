import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ClockIcon } from '../components/icons.tsx';
import { PendingActions } from '../components/PendingActions.tsx';
import { EmptyState, ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';

/** Incoming transfers that wait for this user's answer (refunded to the sender after 24 h). */
export function PendingPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data, error, loading, reload } = useAsync(
    () =>
      api
        .transactions({
          type: 'transfer',
          limit: 100,
          from: new Date(Date.now() - 31 * 86_400_000).toISOString(),
        })
        .then((p) => p.items.filter((x) => x.status === 'pending' && x.direction === 'in')),
    [],
    { refreshOnWalletChange: true },
  );

  return (
    <div className="page">
      <PageHeader title={t('pending.title')} back />
      {error ? (
        <ErrorText>{errorMessage(t, error)}</ErrorText>
      ) : loading && !data ? (
        <Loading />
      ) : !data || data.length === 0 ? (
        <EmptyState
          title={t('pending.empty')}
          hint={t('pending.emptyHint')}
          icon={<ClockIcon size={36} />}
        />
      ) : (
        <ul className="pending-list">
          {data.map((tx) => (
            <li key={tx.id} className="card pending-card">
              <div className="pending-head">
                <span className="avatar" aria-hidden="true">
                  {(tx.counterparty?.nickname ?? '?').slice(0, 1)}
                </span>
                <div className="pending-text">
                  <p className="pending-title">
                    {t('pending.from', { name: tx.counterparty?.nickname ?? t('tx.someone') })}
                  </p>
                  {tx.note && <p className="tx-note">{tx.note}</p>}
                  <p className="muted small">
                    <time dateTime={tx.createdAt}>{f.shortDateTime(tx.createdAt)}</time>
                  </p>
                </div>
                <p className="pending-amount">{f.money(tx.amount, tx.currency)}</p>
              </div>
              <PendingActions tx={tx} onDone={reload} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
