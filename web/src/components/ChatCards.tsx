/**
 * Money moments in a thread, acted on in place: a transfer (open its receipt), a red envelope
 * (open it here, with the 開 button), a collection (pay my share here, with the PIN).
 */
import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useMe } from '../auth.tsx';
import { errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import type { Message } from '../pages/chat-api.ts';
import { groupApi, groupMoney } from '../pages/money-api.ts';
import { type RedPacket, redPacketMoney, social } from '../pages/social-api.ts';
import { EnvelopeIcon, SendIcon } from './icons.tsx';
import { usePinGate } from './PinGate.tsx';
import { type EnvelopePhase, RedEnvelope } from './RedEnvelope.tsx';
import { ErrorText, Sheet } from './ui.tsx';

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** A transfer or a settle-up between two people: the amount, who to whom, the note. */
export function TransferCard({ m, nameOf }: { m: Message; nameOf: (id: string) => string }) {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const d = m.data ?? {};
  const to = str(d.toUserId);
  const settle = d.purpose === 'settlement';
  const party = m.senderId === me.id || to === me.id;
  const body = (
    <>
      <span className="money-card-icon" aria-hidden="true">
        <SendIcon size={20} />
      </span>
      <span className="money-card-main">
        <span className="money-card-amount">
          {f.money(num(d.amount), str(d.currency) || 'CNY')}
        </span>
        <span className="money-card-line">
          {settle
            ? t('chat.card.settlement', { from: nameOf(m.senderId), to: nameOf(to) })
            : to === me.id
              ? t('chat.card.transferToYou', { name: nameOf(m.senderId) })
              : t('chat.card.transferTo', { name: nameOf(to) })}
        </span>
        {str(d.note) && <span className="money-card-note">{str(d.note)}</span>}
      </span>
      <span className="money-card-foot">
        {t(settle ? 'chat.card.settleLabel' : 'chat.card.transferLabel')}
      </span>
    </>
  );
  return party && m.refId ? (
    <Link
      to={`/transactions/${m.refId}`}
      className="money-card money-card-transfer"
      data-testid="transfer-card"
    >
      {body}
    </Link>
  ) : (
    <div className="money-card money-card-transfer" data-testid="transfer-card">
      {body}
    </div>
  );
}

const MISSED = ['sold_out', 'expired'] as const;

/** A red envelope: tap to open it in place; after, how much I got and the details. */
export function RedPacketCard({ m, nameOf }: { m: Message; nameOf: (id: string) => string }) {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const titleId = useId();
  const navigate = useNavigate();
  const d = m.data ?? {};
  const submission = useRef(new MoneySubmission());
  const [packet, setPacket] = useState<RedPacket>();
  const [phase, setPhase] = useState<EnvelopePhase>('closed');
  const [amount, setAmount] = useState<number>();
  const [missed, setMissed] = useState<string>();
  const [openSheet, setOpenSheet] = useState(false);
  const [error, setError] = useState<string>();
  const id = m.refId ?? '';
  const greeting = str(d.greeting) || t('redpacket.defaultGreeting');
  const mine = packet?.claims.find((c) => c.userId === me.id);
  const taken = amount !== undefined || mine !== undefined;

  const show = async () => {
    setError(undefined);
    try {
      const p = await social.redPacket(id);
      setPacket(p);
      const claimable =
        !p.claims.some((c) => c.userId === me.id) &&
        p.status === 'open' &&
        ('groupId' in p.to || p.to.userId === me.id);
      // Nothing to open (mine to someone else, all gone, expired): the details say why.
      if (!claimable && !p.claims.some((c) => c.userId === me.id)) {
        navigate(`/red-packets/${id}`);
        return;
      }
      setPhase(claimable ? 'closed' : 'missed');
      setOpenSheet(true);
    } catch (err) {
      setError(errorMessage(t, err, { not_found: 'redpacket.notFound' }));
    }
  };

  const open = async () => {
    setPhase('opening');
    try {
      const r = await redPacketMoney.claim(submission.current, id);
      setAmount(r.amount);
      walletChanged();
      setPhase('opened');
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'unknown';
      if (code === 'already_claimed') {
        setPacket(await social.redPacket(id));
        setPhase('missed');
        setMissed(t('chat.card.alreadyOpened'));
        return;
      }
      setMissed(
        (MISSED as readonly string[]).includes(code)
          ? t(`redpacket.missed.${code}`)
          : errorMessage(t, err),
      );
      setPhase('missed');
    }
  };

  return (
    <>
      <button
        type="button"
        className={`money-card money-card-red${taken ? ' money-card-done' : ''}`}
        onClick={() => void show()}
        data-testid="red-packet-card"
      >
        <span className="money-card-icon" aria-hidden="true">
          <EnvelopeIcon size={22} />
        </span>
        <span className="money-card-main">
          <span className="money-card-line money-card-greeting">{greeting}</span>
          <span className="money-card-note">
            {amount !== undefined
              ? t('chat.card.youGot', { amount: f.money(amount, str(d.currency) || 'CNY') })
              : mine
                ? t('chat.card.youGot', { amount: f.money(mine.amount, str(d.currency) || 'CNY') })
                : t('chat.card.tapToOpen')}
          </span>
        </span>
        <span className="money-card-foot">{t('chat.card.redPacketLabel')}</span>
      </button>
      {error && <ErrorText>{error}</ErrorText>}
      <Sheet
        open={openSheet}
        onClose={() => setOpenSheet(false)}
        labelledBy={titleId}
        className="chat-envelope-sheet"
      >
        <h2 id={titleId} className="visually-hidden">
          {t('redpacket.envelopeFrom', { name: nameOf(m.senderId) })}
        </h2>
        {packet && (
          <RedEnvelope
            phase={mine && phase !== 'opened' ? 'missed' : phase}
            senderName={nameOf(m.senderId)}
            senderId={m.senderId}
            greeting={greeting}
            amount={amount === undefined ? undefined : f.money(amount, packet.currency)}
            missed={
              mine && phase !== 'opened'
                ? t('chat.card.youGot', { amount: f.money(mine.amount, packet.currency) })
                : missed
            }
            onOpen={() => void open()}
            onOpened={() => {}}
            onDetails={() => navigate(`/red-packets/${id}`)}
          />
        )}
        <button
          type="button"
          className="button button-secondary button-block"
          onClick={() => setOpenSheet(false)}
        >
          {t('common.close')}
        </button>
      </Sheet>
    </>
  );
}

/** A collection (AA): what it is for, my share and a pay button, paid in place with the PIN. */
export function CollectionCard({ m }: { m: Message }) {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const gate = usePinGate();
  const submission = useRef(new MoneySubmission());
  const [error, setError] = useState<string>();
  const d = m.data ?? {};
  const id = m.refId ?? '';
  const collection = useAsync(() => groupApi.collection(id), [id], { refreshOnWalletChange: true });
  const c = collection.data;
  const share = c?.shares.find((s) => s.userId === me.id);
  const currency = str(d.currency) || 'CNY';

  const pay = () => {
    if (!c || !share) return;
    setError(undefined);
    void gate.ask({
      summary: t('collection.pinSummary', { name: c.organizerNickname }),
      amount: f.money(share.amount, c.currency),
      run: async (pin) => {
        await groupMoney.payCollection(submission.current, c.id, pin);
        walletChanged();
        collection.reload();
      },
      onError: (err) => setError(errorMessage(t, err)),
    });
  };

  return (
    <div className="money-card money-card-collection" data-testid="collection-card">
      <span className="money-card-main">
        <span className="money-card-line">{str(d.note) || t('chat.card.collectionLabel')}</span>
        <span className="money-card-amount">{f.money(num(d.totalAmount), currency)}</span>
        {c && (
          <span className="money-card-note">
            {t('chat.card.collectionPaid', {
              paid: c.shares.filter((s) => s.paid).length,
              count: c.shares.length,
            })}
          </span>
        )}
        {c && share && !share.paid && c.status === 'open' && (
          <button
            type="button"
            className="button button-primary button-small money-card-pay"
            onClick={pay}
            disabled={gate.busy}
          >
            {t('collection.pay', { amount: f.money(share.amount, c.currency) })}
          </button>
        )}
        {share?.paid && <span className="money-card-note">{t('chat.card.sharePaid')}</span>}
        {error && <ErrorText>{error}</ErrorText>}
      </span>
      <Link to={`/collections/${id}`} className="money-card-foot">
        {t('chat.card.collectionLabel')} ›
      </Link>
      {gate.sheet}
    </div>
  );
}
