import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type PaymentProof, passkeys, setRiskUi } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { passkeyAssertion } from '../passkey.ts';
import { PIN_LENGTH, PinPad } from './PinPad.tsx';
import { ErrorText, Sheet } from './ui.tsx';

/**
 * Risk control's questions, for every money form at once (MoneySubmission asks through
 * `setRiskUi`): a challenge shows why and takes the PIN or a passkey; a hold says the money is
 * reserved until an operator checks it. Mounted once in the app shell.
 */
export function RiskDialogs() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const challengeTitle = useId();
  const heldTitle = useId();
  const [challenge, setChallenge] = useState<string | null>(null);
  const [held, setHeld] = useState<string | null>(null);
  const [pin, setPin] = useState('');
  const [hasPasskey, setHasPasskey] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const answer = useRef<((proof: PaymentProof | null) => void) | null>(null);

  useEffect(() => {
    setRiskUi({
      challenge: (reason) =>
        new Promise((resolve) => {
          answer.current = resolve;
          setPin('');
          setError(null);
          setChallenge(reason);
          passkeys
            .list()
            .then((r) => setHasPasskey(r.items.length > 0))
            .catch(() => setHasPasskey(false));
        }),
      held: (id) => setHeld(id),
    });
    return () => setRiskUi(undefined);
  }, []);

  const finish = (proof: PaymentProof | null) => {
    setChallenge(null);
    answer.current?.(proof);
    answer.current = null;
  };

  const answerWithPasskey = async () => {
    try {
      finish({ passkey: await passkeyAssertion() });
    } catch {
      setError(t('risk.passkeyFailed'));
    }
  };

  return (
    <>
      <Sheet open={challenge !== null} onClose={() => finish(null)} labelledBy={challengeTitle}>
        <div className="sheet-head">
          <span className="icon-button-spacer" />
          <h2 id={challengeTitle} className="sheet-title">
            {t('risk.challengeTitle')}
          </h2>
          <span className="icon-button-spacer" />
        </div>
        <div className="risk-warning" role="alert">
          <p>{t('risk.challengeBody')}</p>
        </div>
        {me?.hasPin && (
          <PinPad
            value={pin}
            label={t('pin.payment')}
            onChange={(v) => {
              setPin(v);
              if (v.length === PIN_LENGTH) finish({ pin: v });
            }}
            status={error ? <ErrorText>{error}</ErrorText> : null}
          />
        )}
        {hasPasskey && (
          <button
            type="button"
            className="button button-block"
            onClick={() => void answerWithPasskey()}
          >
            {t('passkeys.payWith')}
          </button>
        )}
        <button type="button" className="button button-block" onClick={() => finish(null)}>
          {t('risk.cancel')}
        </button>
      </Sheet>
      <Sheet open={held !== null} onClose={() => setHeld(null)} labelledBy={heldTitle}>
        <div className="sheet-head">
          <span className="icon-button-spacer" />
          <h2 id={heldTitle} className="sheet-title">
            {t('risk.heldTitle')}
          </h2>
          <span className="icon-button-spacer" />
        </div>
        <div className="risk-warning" role="status">
          <p>{t('risk.heldBody')}</p>
          <p className="muted">{t('risk.heldRef', { id: held ?? '' })}</p>
        </div>
        <button
          type="button"
          className="button button-primary button-block"
          data-autofocus
          onClick={() => setHeld(null)}
        >
          {t('risk.ok')}
        </button>
      </Sheet>
    </>
  );
}
