import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Transaction } from '../api.ts';
import { errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { useToast } from '../toast.tsx';
import { ConfirmSheet, ErrorText } from './ui.tsx';

/** Accept or decline an incoming transfer that waits for this user. */
export function PendingActions({ tx, onDone }: { tx: Transaction; onDone?: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [confirmDecline, setConfirmDecline] = useState(false);

  const act = async (action: 'accept' | 'decline') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.resolveTransfer(tx.id, action);
      walletChanged();
      toast(
        t(action === 'accept' ? 'pending.accepted' : 'pending.declined', {
          amount: f.money(tx.amount, tx.currency),
        }),
        'success',
      );
      setConfirmDecline(false);
      onDone?.();
    } catch (err) {
      setError(errorMessage(t, err, { conflict: 'pending.alreadySettled' }));
      setConfirmDecline(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="pending-actions">
      <div className="button-row">
        <button
          type="button"
          className="button button-secondary"
          disabled={busy}
          onClick={() => setConfirmDecline(true)}
        >
          {t('pending.decline')}
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={busy}
          onClick={() => void act('accept')}
        >
          {t('pending.accept')}
        </button>
      </div>
      {error && <ErrorText>{error}</ErrorText>}
      <ConfirmSheet
        open={confirmDecline}
        title={t('pending.declineTitle')}
        body={t('pending.declineBody', { amount: f.money(tx.amount, tx.currency) })}
        confirmLabel={t('pending.decline')}
        danger
        busy={busy}
        onConfirm={() => void act('decline')}
        onClose={() => setConfirmDecline(false)}
      />
    </div>
  );
}
