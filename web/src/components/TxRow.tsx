import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Transaction } from '../api.ts';
import { useFormat } from '../format.ts';
import { ArrowUpIcon, EnvelopeIcon, PlusIcon, SendIcon } from './icons.tsx';

/** "To 小明" / "From 小明" / "Top-up": the one-line title of a transaction. */
export function useTxTitle() {
  const { t } = useTranslation();
  return (tx: Transaction) => {
    if (tx.type === 'transfer') {
      const name = tx.counterparty?.nickname ?? t('tx.someone');
      return tx.direction === 'out' ? t('tx.transferTo', { name }) : t('tx.transferFrom', { name });
    }
    return t(`txType.${tx.type}`, { defaultValue: tx.type });
  };
}

export function statusLabel(t: (k: string) => string, tx: Transaction): string | undefined {
  if (tx.status === 'completed') return undefined;
  if (tx.status === 'pending')
    return tx.direction === 'in' ? t('status.pendingIn') : t('status.pendingOut');
  return t(`status.${tx.status}`);
}

export function TxIcon({ tx }: { tx: Transaction }) {
  const Icon =
    tx.type === 'topup'
      ? PlusIcon
      : tx.type === 'withdrawal'
        ? ArrowUpIcon
        : tx.type.startsWith('redpacket.')
          ? EnvelopeIcon
          : SendIcon;
  const kind = tx.type.replaceAll('.', '-');
  return (
    <span
      className={`tx-icon tx-icon-${kind}${kind.startsWith('redpacket') ? ' tx-icon-redpacket' : ''} tx-icon-${tx.direction}`}
      aria-hidden="true"
    >
      <Icon size={20} />
    </span>
  );
}

export function TxRow({ tx }: { tx: Transaction }) {
  const { t } = useTranslation();
  const f = useFormat();
  const title = useTxTitle()(tx);
  const status = statusLabel(t, tx);
  const muted = tx.status === 'refunded' || tx.status === 'failed';
  return (
    <li>
      <Link to={`/transactions/${tx.id}`} className="tx-row">
        <TxIcon tx={tx} />
        <span className="tx-main">
          <span className="tx-title">{title}</span>
          <span className="tx-sub">
            {tx.note ? <span className="tx-note">{tx.note}</span> : null}
            <time dateTime={tx.createdAt}>{f.shortDateTime(tx.createdAt)}</time>
          </span>
        </span>
        <span className="tx-side">
          <span
            className={`tx-amount${tx.direction === 'in' ? ' tx-in' : ''}${muted ? ' tx-muted' : ''}`}
          >
            {f.money(tx.direction === 'in' ? tx.amount : -tx.amount, tx.currency, 'always')}
          </span>
          {status && <span className={`chip chip-${tx.status}`}>{status}</span>}
        </span>
      </Link>
    </li>
  );
}
