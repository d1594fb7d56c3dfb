import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { useMe } from '../auth.tsx';
import {
  ArrowUpIcon,
  BellIcon,
  ChevronIcon,
  ClockIcon,
  EnvelopeIcon,
  EyeIcon,
  EyeOffIcon,
  ListIcon,
  LockIcon,
  Logo,
  PlusIcon,
  QrIcon,
  SendIcon,
  ShieldIcon,
} from '../components/icons.tsx';
import { GroupIcon, ScanIcon } from '../components/social-icons.tsx';
import { TxRow } from '../components/TxRow.tsx';
import { EmptyState, ErrorText, Loading, VerifyNotice } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useNotifications } from '../notifications.tsx';

const HIDE_KEY = 'hebao.hideBalance';

function readFlag(key: string): boolean {
  try {
    return localStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function writeFlag(key: string, on: boolean): void {
  try {
    localStorage.setItem(key, on ? '1' : '0');
  } catch {
    // Not remembered; the choice still holds on this page.
  }
}

export function NotificationBell() {
  const { t } = useTranslation();
  const { unread } = useNotifications();
  return (
    <Link
      to="/notifications"
      className="icon-button bell"
      aria-label={
        unread > 0 ? t('notifications.bellUnread', { count: unread }) : t('notifications.title')
      }
    >
      <BellIcon />
      {unread > 0 && (
        <span className="badge" data-testid="unread-badge" aria-hidden="true">
          {unread > 99 ? '99+' : unread}
        </span>
      )}
    </Link>
  );
}

export function WalletPage() {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const [hidden, setHidden] = useState(() => readFlag(HIDE_KEY));
  const wallet = useAsync(() => api.wallet(), [], { refreshOnWalletChange: true });
  const recent = useAsync(() => api.transactions({ limit: 5 }), [], {
    refreshOnWalletChange: true,
  });
  // Incoming transfers that wait for this user to accept them (they expire after 24 hours).
  const pending = useAsync(
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

  const cny = wallet.data?.balances.find((b) => b.currency === 'CNY') ?? {
    currency: 'CNY',
    available: 0,
    pending: 0,
    held: 0,
  };
  const others =
    wallet.data?.balances.filter(
      (b) => b.currency !== 'CNY' && (b.available || b.pending || b.held),
    ) ?? [];
  const mask = (s: string) => (hidden ? '••••' : s);
  const toggle = () => {
    writeFlag(HIDE_KEY, !hidden);
    setHidden(!hidden);
  };
  const pendingCount = pending.data?.length ?? 0;

  return (
    <div className="page wallet-page">
      <header className="home-header">
        <div className="brand">
          <Logo size={30} />
          <span className="brand-name">{t('app.name')}</span>
        </div>
        <NotificationBell />
      </header>
      <p className="greeting">{t('wallet.greeting', { name: me.nickname })}</p>

      <section className="balance-card" aria-labelledby="balance-label">
        <div className="balance-top">
          <h2 id="balance-label" className="balance-label">
            {t('wallet.available')}
          </h2>
          <button
            type="button"
            className="balance-eye"
            onClick={toggle}
            aria-pressed={hidden}
            aria-label={hidden ? t('wallet.showBalance') : t('wallet.hideBalance')}
          >
            {hidden ? <EyeOffIcon size={18} /> : <EyeIcon size={18} />}
          </button>
        </div>
        {wallet.error ? (
          <p className="balance-error" role="alert">
            {errorMessage(t, wallet.error)}
          </p>
        ) : (
          <p
            className="balance-amount"
            data-testid="balance-available"
            aria-busy={wallet.loading && !wallet.data}
          >
            {wallet.data ? mask(f.money(cny.available, 'CNY')) : '—'}
          </p>
        )}
        <dl className="balance-sub">
          <div>
            <dt>{t('wallet.pending')}</dt>
            <dd data-testid="balance-pending">{mask(f.money(cny.pending, 'CNY'))}</dd>
          </div>
          <div>
            <dt>{t('wallet.held')}</dt>
            <dd data-testid="balance-held">{mask(f.money(cny.held, 'CNY'))}</dd>
          </div>
        </dl>
        {others.length > 0 && (
          <ul className="balance-others">
            {others.map((b) => (
              <li key={b.currency}>
                {b.currency} {mask(f.money(b.available, b.currency))}
              </li>
            ))}
          </ul>
        )}
        <div className="balance-actions">
          <Link to="/topup" className="balance-action">
            <PlusIcon size={18} /> {t('wallet.topUp')}
          </Link>
          <Link to="/withdraw" className="balance-action">
            <ArrowUpIcon size={18} /> {t('wallet.withdraw')}
          </Link>
        </div>
      </section>

      <nav className="quick-actions" aria-label={t('wallet.actions')}>
        <Link to="/transfer" className="quick-action">
          <span className="quick-icon quick-icon-send">
            <SendIcon />
          </span>
          <span>{t('wallet.transfer')}</span>
        </Link>
        <Link to="/receive" className="quick-action">
          <span className="quick-icon quick-icon-qr">
            <QrIcon />
          </span>
          <span>{t('wallet.receive')}</span>
        </Link>
        <Link to="/history" className="quick-action">
          <span className="quick-icon quick-icon-list">
            <ListIcon />
          </span>
          <span>{t('wallet.history')}</span>
        </Link>
        <Link to="/pending" className="quick-action">
          <span className="quick-icon quick-icon-clock">
            <ClockIcon />
            {pendingCount > 0 && <span className="dot-badge" aria-hidden="true" />}
          </span>
          <span>{t('wallet.pendingShort')}</span>
        </Link>
      </nav>

      <nav className="quick-actions" aria-label={t('wallet.services')}>
        <Link to="/red-packets" className="quick-action">
          <span className="quick-icon quick-icon-red">
            <EnvelopeIcon />
          </span>
          <span>{t('wallet.redPackets')}</span>
        </Link>
        <Link to="/groups" className="quick-action">
          <span className="quick-icon quick-icon-send">
            <GroupIcon />
          </span>
          <span>{t('wallet.groups')}</span>
        </Link>
        <Link to="/family" className="quick-action">
          <span className="quick-icon quick-icon-list">
            <ShieldIcon />
          </span>
          <span>{t('wallet.family')}</span>
        </Link>
        <Link to="/ious" className="quick-action">
          <span className="quick-icon quick-icon-clock">
            <ListIcon />
          </span>
          <span>{t('wallet.ious')}</span>
        </Link>
      </nav>

      <nav className="quick-actions" aria-label={t('merchants.nearby')}>
        <Link to="/pay" className="quick-action">
          <span className="quick-icon quick-icon-send">
            <ScanIcon />
          </span>
          <span>{t('wallet.scanPay')}</span>
        </Link>
        <Link to="/nearby" className="quick-action">
          <span className="quick-icon quick-icon-list">
            <ListIcon />
          </span>
          <span>{t('wallet.nearby')}</span>
        </Link>
        <Link to="/merchants/mine" className="quick-action">
          <span className="quick-icon quick-icon-clock">
            <ShieldIcon />
          </span>
          <span>{t('wallet.merchants')}</span>
        </Link>
      </nav>

      <VerifyNotice chevron>{t('wallet.verifyHint')}</VerifyNotice>
      {me.verified && !me.hasPin && (
        <Link to="/me/pin" className="notice notice-info">
          <LockIcon />
          <span className="notice-text">
            <strong>{t('wallet.pinTitle')}</strong>
            <span>{t('wallet.pinHint')}</span>
          </span>
          <ChevronIcon size={18} />
        </Link>
      )}
      {pendingCount > 0 && (
        <Link to="/pending" className="notice notice-accent">
          <ClockIcon />
          <span className="notice-text">
            <strong>{t('wallet.pendingIncoming', { count: pendingCount })}</strong>
            <span>{t('wallet.pendingIncomingHint')}</span>
          </span>
          <ChevronIcon size={18} />
        </Link>
      )}

      <section className="card" aria-labelledby="recent-title">
        <div className="card-head">
          <h2 id="recent-title" className="card-title">
            {t('wallet.recent')}
          </h2>
          <Link to="/history" className="text-link">
            {t('wallet.seeAll')}
            <ChevronIcon size={16} />
          </Link>
        </div>
        {recent.error ? (
          <ErrorText>{errorMessage(t, recent.error)}</ErrorText>
        ) : !recent.data ? (
          <Loading />
        ) : recent.data.items.length === 0 ? (
          <EmptyState title={t('history.empty')} hint={t('wallet.emptyHint')}>
            <Link to="/topup" className="button button-secondary button-small">
              {t('wallet.topUp')}
            </Link>
          </EmptyState>
        ) : (
          <ul className="tx-list">
            {recent.data.items.map((tx) => (
              <TxRow key={tx.id} tx={tx} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
