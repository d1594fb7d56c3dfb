import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { EnvelopeIcon, PlusIcon } from '../components/icons.tsx';
import { timeAgo } from '../components/social-format.ts';
import { PagedList } from '../components/social-ui.tsx';
import { EmptyState, IconLink, PageHeader } from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { useFormat } from '../format.ts';
import { useNotifications } from '../notifications.tsx';
import { type RedPacketListItem, social } from './social-api.ts';

const BOXES = ['received', 'sent'] as const;
type Box = (typeof BOXES)[number];

function EnvelopeRow({ p, box }: { p: RedPacketListItem; box: Box }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const waiting = box === 'received' && !p.myClaim && p.status === 'open';
  const title =
    box === 'received'
      ? t('redpacket.fromName', { name: p.sender.nickname })
      : t(`redpacket.sentTo.${'groupId' in p.to ? 'group' : 'person'}`);
  return (
    <li>
      <Link to={`/red-packets/${p.id}`} className={`rp-row${waiting ? ' rp-row-waiting' : ''}`}>
        <span className="rp-row-icon" aria-hidden="true">
          <EnvelopeIcon size={20} />
        </span>
        <span className="tx-main">
          <span className="tx-title">{title}</span>
          <span className="tx-sub">
            <span className="tx-note">{p.greeting ?? t('redpacket.defaultGreeting')}</span>
            <time dateTime={p.createdAt}>{timeAgo(i18n.language, p.createdAt)}</time>
          </span>
        </span>
        <span className="tx-side">
          {box === 'received' ? (
            p.myClaim ? (
              <span className="tx-amount tx-in">
                {f.money(p.myClaim.amount, p.currency, 'always')}
              </span>
            ) : (
              <span className={`chip ${waiting ? 'chip-red' : 'chip-refunded'}`}>
                {t(waiting ? 'redpacket.state.waiting' : `redpacket.state.${p.status}`)}
              </span>
            )
          ) : (
            <>
              <span className="tx-amount">{f.money(p.totalAmount, p.currency)}</span>
              <span className="muted small">
                {t('redpacket.claimedOf', { claimed: p.claimedCount, count: p.count })}
              </span>
            </>
          )}
        </span>
      </Link>
    </li>
  );
}

/** My red envelopes: those I may open (received) and those I sent. */
export function RedPacketsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const box: Box = params.get('box') === 'sent' ? 'sent' : 'received';
  const list = usePaged(
    (c) => social.redPackets(box, c),
    (p) => p.id,
    [box],
  );
  const { live } = useNotifications();
  const { reload } = list;

  const latest = live[0];
  useEffect(() => {
    if (latest?.kind.startsWith('redpacket.')) reload();
  }, [latest, reload]);

  return (
    <div className="page">
      <PageHeader
        title={t('redpacket.title')}
        back
        right={
          <IconLink to="/red-packets/new" label={t('sendRedPacket.title')}>
            <PlusIcon />
          </IconLink>
        }
      />
      <div className="segmented box-switch" role="tablist" aria-label={t('redpacket.boxes')}>
        {BOXES.map((b) => (
          <button
            key={b}
            type="button"
            role="tab"
            aria-selected={box === b}
            className={`segment${box === b ? ' segment-on' : ''}`}
            onClick={() => setParams(b === 'sent' ? { box: 'sent' } : {}, { replace: true })}
          >
            {t(`redpacket.box.${b}`)}
          </button>
        ))}
      </div>
      <section className="card" aria-label={t(`redpacket.box.${box}`)}>
        <PagedList
          list={list}
          showEnd
          empty={
            <EmptyState
              title={t(`redpacket.empty.${box}`)}
              hint={t('redpacket.emptyHint')}
              icon={<EnvelopeIcon size={36} />}
            >
              <Link to="/red-packets/new" className="button button-red button-small">
                {t('sendRedPacket.title')}
              </Link>
            </EmptyState>
          }
        >
          <ul className="tx-list">
            {list.items.map((p) => (
              <EnvelopeRow key={p.id} p={p} box={box} />
            ))}
          </ul>
        </PagedList>
      </section>
    </div>
  );
}
