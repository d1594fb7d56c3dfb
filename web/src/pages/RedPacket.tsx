import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useMe } from '../auth.tsx';
import { ReportButton } from '../components/circle-ui.tsx';
import {
  type EnvelopePhase,
  prefersReducedMotion,
  RedEnvelope,
} from '../components/RedEnvelope.tsx';
import { timeAgo } from '../components/social-format.ts';
import { CrownIcon, RefreshIcon } from '../components/social-icons.tsx';
import { Avatar } from '../components/social-ui.tsx';
import { ErrorText, IconButton, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useNotifications } from '../notifications.tsx';
import { type RedPacket, redPacketMoney, social } from './social-api.ts';

/** May the viewer claim a share? The receiver of a personal one, any member for a group's. */
function mayClaim(p: RedPacket, meId: string): boolean {
  return 'groupId' in p.to || p.to.userId === meId;
}

const MISSED = ['sold_out', 'expired'] as const;

/**
 * One red envelope. Someone who may still claim it sees it closed, with the 開 button; everyone
 * else (and the claimer, once opened) sees the details: the greeting, their amount, and who got
 * how much, with the luckiest claimer of an emptied lucky envelope marked.
 */
export function RedPacketPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const me = useMe();
  const f = useFormat();
  const { live } = useNotifications();
  const submission = useRef(new MoneySubmission());
  const packet = useAsync(() => social.redPacket(id), [id]);
  const [phase, setPhase] = useState<EnvelopePhase>('closed');
  const [claimed, setClaimed] = useState<number | null>(null);
  const [missed, setMissed] = useState<string>();
  const [showDetails, setShowDetails] = useState(false);
  // The sender lands on the details; in a group they may still grab a share themselves.
  const [wantEnvelope, setWantEnvelope] = useState(false);
  const p = packet.data;
  const { reload } = packet;

  // A claim or the envelope emptying, seen live: the details change.
  const latest = live[0];
  useEffect(() => {
    if (latest?.kind.startsWith('redpacket.') && latest.data.packetId === id) reload();
  }, [latest, id, reload]);

  const mine = p?.claims.find((c) => c.userId === me.id);
  const claimable = p !== undefined && !mine && p.status === 'open' && mayClaim(p, me.id);
  const closed =
    p !== undefined &&
    !showDetails &&
    (phase !== 'closed' || (claimable && (p.sender.userId !== me.id || wantEnvelope)));

  const open = async () => {
    setPhase('opening');
    try {
      const r = await redPacketMoney.claim(submission.current, id);
      setClaimed(r.amount);
      walletChanged();
      setPhase('opened');
      if (prefersReducedMotion()) finish();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'already_claimed') {
        finish();
        return;
      }
      const code = err instanceof ApiError ? err.code : 'unknown';
      setMissed(
        (MISSED as readonly string[]).includes(code)
          ? t(`redpacket.missed.${code}`)
          : errorMessage(t, err),
      );
      setPhase('missed');
    }
  };

  const finish = () => {
    setShowDetails(true);
    reload();
  };

  const senderName = p ? (p.sender.userId === me.id ? t('feed.you') : p.sender.nickname) : '';
  return (
    <div className="page red-packet-page">
      <PageHeader
        title={t('redpacket.detailTitle')}
        back
        right={
          <>
            {p && p.sender.userId !== me.id && (
              <ReportButton target={{ type: 'red_packet', id: p.id }} />
            )}
            <IconButton onClick={reload} label={t('redpacket.refresh')}>
              <RefreshIcon />
            </IconButton>
          </>
        }
      />
      {packet.error ? (
        <ErrorText>{errorMessage(t, packet.error, { not_found: 'redpacket.notFound' })}</ErrorText>
      ) : !p ? (
        <Loading />
      ) : closed ? (
        <RedEnvelope
          phase={phase}
          senderName={p.sender.nickname}
          senderId={p.sender.userId}
          greeting={p.greeting ?? t('redpacket.defaultGreeting')}
          amount={claimed === null ? undefined : f.money(claimed, p.currency)}
          missed={missed}
          onOpen={() => void open()}
          onOpened={finish}
          onDetails={finish}
        />
      ) : (
        <>
          <section className="rp-head" aria-labelledby="rp-title">
            <Avatar name={p.sender.nickname} id={p.sender.userId} size="large" />
            <h2 id="rp-title" className="rp-head-title">
              {t('redpacket.fromName', { name: senderName })}
              <span className={`chip rp-kind rp-kind-${p.kind}`}>
                {t(`redpacket.kindShort.${p.kind}`)}
              </span>
            </h2>
            <p className="rp-head-greeting">{p.greeting ?? t('redpacket.defaultGreeting')}</p>
            {claimable && (
              <button
                type="button"
                className="button button-gold button-small"
                onClick={() => {
                  setShowDetails(false);
                  setWantEnvelope(true);
                }}
              >
                {t('redpacket.grabOwn')}
              </button>
            )}
            {mine && (
              <>
                <p className="rp-head-amount" data-testid="my-claim">
                  {f.money(mine.amount, p.currency)}
                </p>
                <Link to="/history" className="rp-head-link">
                  {t('redpacket.inWallet')}
                </Link>
              </>
            )}
          </section>
          <section className="card rp-claims" aria-labelledby="rp-claims-title">
            <h2 id="rp-claims-title" className="rp-summary">
              {p.status === 'emptied'
                ? t('redpacket.summary.emptied', {
                    count: p.count,
                    total: f.money(p.totalAmount, p.currency),
                  })
                : p.status === 'expired'
                  ? t('redpacket.summary.expired', { claimed: p.claimedCount, count: p.count })
                  : t('redpacket.summary.open', {
                      claimed: p.claimedCount,
                      count: p.count,
                      amount: f.money(p.claimedAmount, p.currency),
                      total: f.money(p.totalAmount, p.currency),
                    })}
            </h2>
            {p.status === 'expired' && p.sender.userId === me.id && p.refundedAmount ? (
              <p className="muted small">
                {t('redpacket.refunded', { amount: f.money(p.refundedAmount, p.currency) })}
              </p>
            ) : null}
            {p.status === 'open' && (
              <p className="muted small">
                {t('redpacket.expiresAt', { time: f.dateTime(p.expiresAt) })}
              </p>
            )}
            {p.claims.length === 0 ? (
              <p className="muted center rp-no-claims">{t('redpacket.noClaims')}</p>
            ) : (
              <ul className="people-list" data-testid="claims">
                {p.claims.map((c) => (
                  <li key={c.userId} className="person-row claim-row">
                    <Avatar name={c.nickname} id={c.userId} />
                    <span className="person-main">
                      <span className="person-name">
                        {c.userId === me.id ? t('feed.you') : c.nickname}
                      </span>
                      <time className="person-time" dateTime={c.claimedAt}>
                        {timeAgo(i18n.language, c.claimedAt)}
                      </time>
                    </span>
                    <span className="claim-side">
                      <span className="claim-amount">{f.money(c.amount, p.currency)}</span>
                      {c.luckiest && (
                        <span className="luckiest">
                          <CrownIcon size={14} /> {t('redpacket.luckiest')}
                        </span>
                      )}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}
