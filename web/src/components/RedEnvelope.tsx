import { useTranslation } from 'react-i18next';
import { Avatar } from './social-ui.tsx';

export type EnvelopePhase = 'closed' | 'opening' | 'opened' | 'missed';

export function prefersReducedMotion(): boolean {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}

/**
 * The unopened red envelope with its round 開 button. While the claim is on its way the button
 * spins like a coin; when it succeeds the flap lifts and the amount shows, then `onOpened`
 * follows (at once when the user prefers reduced motion, since no animation will end).
 */
export function RedEnvelope({
  phase,
  senderName,
  senderId,
  greeting,
  amount,
  missed,
  onOpen,
  onOpened,
  onDetails,
}: {
  phase: EnvelopePhase;
  senderName: string;
  senderId: string;
  greeting: string;
  /** The claimed amount, formatted, once opened. */
  amount?: string;
  /** Why it could not be opened (all gone, expired, an error). */
  missed?: string;
  onOpen: () => void;
  onOpened: () => void;
  onDetails: () => void;
}) {
  const { t } = useTranslation();
  return (
    <section
      className={`rp-envelope rp-${phase}`}
      aria-label={t('redpacket.envelopeFrom', { name: senderName })}
      data-testid="red-envelope"
      onAnimationEnd={(e) => {
        if (phase === 'opened' && e.animationName === 'rp-reveal') onOpened();
      }}
    >
      <div className="rp-flap">
        <Avatar name={senderName} id={senderId} size="large" />
        <p className="rp-from">{t('redpacket.fromName', { name: senderName })}</p>
        <p className="rp-greeting">{greeting}</p>
      </div>
      {phase === 'opened' ? (
        <div className="rp-reveal" aria-live="assertive">
          <p className="rp-reveal-label">{t('redpacket.youGot')}</p>
          <p className="rp-reveal-amount" data-testid="claimed-amount">
            {amount}
          </p>
        </div>
      ) : phase === 'missed' ? (
        <div className="rp-missed" role="alert">
          {missed}
        </div>
      ) : (
        <button
          type="button"
          className="rp-open"
          onClick={onOpen}
          aria-busy={phase === 'opening'}
          aria-label={t('redpacket.open')}
          disabled={phase === 'opening'}
          // biome-ignore lint/a11y/noAutofocus: opening the envelope is the one thing to do here
          autoFocus
        >
          <span aria-hidden="true">{t('redpacket.openGlyph')}</span>
        </button>
      )}
      <button type="button" className="rp-details" onClick={onDetails}>
        {t('redpacket.seeDetails')}
      </button>
    </section>
  );
}
