import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'react-router';
import { api } from '../api.ts';
import { CheckIcon, ClockIcon } from '../components/icons.tsx';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import type { ReceiptState } from './Transfer.tsx';

/** Shown after a transfer: what went where, as the ledger recorded it. */
export function ReceiptPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { id = '' } = useParams();
  const state = useLocation().state as ReceiptState | null;
  const tx = useAsync(() => api.transaction(id), [id]);

  const data = tx.data;
  const pending = (data?.status ?? state?.transfer.status) === 'pending';
  const amount = data?.amount ?? state?.transfer.amount;
  const currency = data?.currency ?? state?.transfer.currency ?? 'CNY';
  const name = data?.counterparty?.nickname;
  const note = data?.note ?? state?.transfer.note ?? undefined;
  const createdAt = data?.createdAt ?? state?.transfer.createdAt;

  return (
    <div className="page receipt-page">
      <PageHeader title={t('receipt.title')} back="/" />
      {tx.error && !state ? (
        <ErrorText>{errorMessage(t, tx.error)}</ErrorText>
      ) : amount === undefined ? (
        <Loading />
      ) : (
        <section className="card receipt" aria-labelledby="receipt-status">
          <div
            className={`receipt-badge${pending ? ' receipt-badge-pending' : ''}`}
            aria-hidden="true"
          >
            {pending ? <ClockIcon size={36} /> : <CheckIcon size={40} />}
          </div>
          <h2 id="receipt-status" className="receipt-status">
            {pending ? t('receipt.pending') : t('receipt.success')}
          </h2>
          <p className="receipt-amount" data-testid="receipt-amount">
            {f.money(amount, currency)}
          </p>
          {pending && state?.transfer.expiresAt && (
            <p className="muted small center">
              {t('receipt.expires', { time: f.dateTime(state.transfer.expiresAt) })}
            </p>
          )}
          <dl className="details">
            <div>
              <dt>{t('receipt.to')}</dt>
              <dd>
                {name ?? state?.receiverLabel ?? '—'}
                {name && state?.receiverLabel && state.receiverLabel !== name ? (
                  <span className="muted"> · {state.receiverLabel}</span>
                ) : null}
              </dd>
            </div>
            {note && (
              <div>
                <dt>{t('receipt.note')}</dt>
                <dd>{note}</dd>
              </div>
            )}
            {state?.transfer.visibility && (
              <div>
                <dt>{t('transfer.visibility')}</dt>
                <dd>{t(`visibility.${state.transfer.visibility}`)}</dd>
              </div>
            )}
            {createdAt && (
              <div>
                <dt>{t('receipt.time')}</dt>
                <dd>
                  <time dateTime={createdAt}>{f.dateTime(createdAt)}</time>
                </dd>
              </div>
            )}
            <div className="detail-stack">
              <dt>{t('receipt.id')}</dt>
              <dd className="mono">{id}</dd>
            </div>
          </dl>
          <div className="button-row">
            <Link to="/history" className="button button-secondary">
              {t('receipt.history')}
            </Link>
            <Link to="/" className="button button-primary">
              {t('common.done')}
            </Link>
          </div>
        </section>
      )}
    </div>
  );
}
