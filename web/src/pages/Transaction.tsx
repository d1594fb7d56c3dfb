import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../api.ts';
import { PendingActions } from '../components/PendingActions.tsx';
import { statusLabel, TxIcon, useTxTitle } from '../components/TxRow.tsx';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';

export function TransactionPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const title = useTxTitle();
  const { id = '' } = useParams();
  const {
    data: tx,
    error,
    reload,
  } = useAsync(() => api.transaction(id), [id], {
    refreshOnWalletChange: true,
  });

  return (
    <div className="page">
      <PageHeader title={t('transaction.title')} back />
      {error ? (
        <ErrorText>{errorMessage(t, error, { not_found: 'transaction.notFound' })}</ErrorText>
      ) : !tx ? (
        <Loading />
      ) : (
        <section className="card receipt" aria-labelledby="tx-title">
          <div className="tx-detail-icon">
            <TxIcon tx={tx} />
          </div>
          <h2 id="tx-title" className="receipt-status">
            {title(tx)}
          </h2>
          <p className={`receipt-amount${tx.direction === 'in' ? ' tx-in' : ''}`}>
            {f.money(tx.direction === 'in' ? tx.amount : -tx.amount, tx.currency, 'always')}
          </p>
          <p className="center">
            <span className={`chip chip-${tx.status}`}>
              {statusLabel(t, tx) ?? t('status.completed')}
            </span>
          </p>
          {tx.status === 'pending' && tx.direction === 'in' && (
            <PendingActions tx={tx} onDone={reload} />
          )}
          <dl className="details">
            <div>
              <dt>{t('transaction.type')}</dt>
              <dd>{t(`txType.${tx.type}`, { defaultValue: tx.type })}</dd>
            </div>
            {tx.counterparty && (
              <div>
                <dt>{tx.direction === 'in' ? t('transaction.from') : t('transaction.to')}</dt>
                <dd>{tx.counterparty.nickname}</dd>
              </div>
            )}
            {tx.note && (
              <div>
                <dt>{t('receipt.note')}</dt>
                <dd>{tx.note}</dd>
              </div>
            )}
            <div>
              <dt>{t('receipt.time')}</dt>
              <dd>
                <time dateTime={tx.createdAt}>{f.dateTime(tx.createdAt)}</time>
              </dd>
            </div>
            <div className="detail-stack">
              <dt>{t('receipt.id')}</dt>
              <dd className="mono">{tx.id}</dd>
            </div>
          </dl>
        </section>
      )}
    </div>
  );
}
