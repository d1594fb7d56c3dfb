import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ChevronIcon } from '../components/icons.tsx';
import { EmptyState, ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useToast } from '../toast.tsx';
import { campaignsApi, type Drawn } from './campaigns-api.ts';
import { social } from './social-api.ts';

/** Running and past card campaigns. */
export function CampaignsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useAsync(() => campaignsApi.campaigns(), []);
  return (
    <div className="page">
      <PageHeader title={t('campaign.title')} back />
      {list.loading && !list.data ? <Loading /> : null}
      {list.error ? <ErrorText>{errorMessage(t, list.error)}</ErrorText> : null}
      {list.data && list.data.items.length === 0 ? (
        <EmptyState title={t('campaign.listEmpty')} hint={t('campaign.listEmptyHint')} />
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <nav className="card menu" aria-label={t('campaign.title')}>
          {list.data.items.map((c) => (
            <Link key={c.id} to={`/campaigns/${c.id}`} className="menu-item">
              <span className="menu-label">{c.name}</span>
              <span className="menu-value">
                {t(`campaign.status.${c.status}`)} · {f.money(c.poolAmount, c.currency)}
              </span>
              <ChevronIcon size={18} />
            </Link>
          ))}
        </nav>
      ) : null}
    </div>
  );
}

/** One campaign: my cards, draw, give to a friend, the odds, the seed commitment, the result. */
export function CampaignPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const campaign = useAsync(() => campaignsApi.campaign(id), [id]);
  const mine = useAsync(() => campaignsApi.mine(id), [id]);
  const friends = useAsync(() => social.friends(undefined, 100), []);
  const [drawn, setDrawn] = useState<Drawn | undefined>();
  const [drawing, setDrawing] = useState(false);
  const [drawError, setDrawError] = useState<unknown>();
  const [giftCard, setGiftCard] = useState('');
  const [giftTo, setGiftTo] = useState('');
  const [giftError, setGiftError] = useState<unknown>();
  const [giving, setGiving] = useState(false);

  if (campaign.error) {
    return (
      <div className="page">
        <PageHeader title={t('campaign.title')} back="/campaigns" />
        <ErrorText>{errorMessage(t, campaign.error)}</ErrorText>
      </div>
    );
  }
  const c = campaign.data;
  const me = mine.data;
  if (!c || !me) {
    return (
      <div className="page">
        <PageHeader title={t('campaign.title')} back="/campaigns" />
        <Loading />
      </div>
    );
  }
  const cardName = (key: string) => c.cards.find((x) => x.key === key)?.name ?? key;
  const open = c.status === 'open';

  const draw = async () => {
    setDrawing(true);
    setDrawError(undefined);
    try {
      const result = await campaignsApi.draw(c.id);
      setDrawn(result);
      mine.reload();
    } catch (err) {
      setDrawError(err);
    } finally {
      setDrawing(false);
    }
  };

  const give = async (e: FormEvent) => {
    e.preventDefault();
    if (!giftCard || !giftTo) return;
    setGiving(true);
    setGiftError(undefined);
    try {
      await campaignsApi.gift(c.id, { toUserId: giftTo, cardKey: giftCard });
      const name = friends.data?.items.find((x) => x.userId === giftTo)?.nickname ?? '';
      toast(t('campaign.given', { card: cardName(giftCard), name }), 'success');
      mine.reload();
    } catch (err) {
      setGiftError(err);
    } finally {
      setGiving(false);
    }
  };

  const held = c.cards.filter((card) => (me.cards[card.key] ?? 0) > 0);
  return (
    <div className="page campaign-page">
      <PageHeader title={c.name} back="/campaigns" />
      <section className="card cp-hero">
        <p className="cp-pool">
          {t('campaign.pool', { amount: f.money(c.poolAmount, c.currency) })}
        </p>
        <p className="muted small">{t('campaign.drawAt', { when: f.dateTime(c.drawAt) })}</p>
        <span className={`chip ${open ? 'chip-pending' : 'chip-completed'}`}>
          {t(`campaign.status.${c.status}`)}
        </span>
      </section>

      <section className="card" aria-labelledby="my-cards">
        <h2 id="my-cards" className="card-title">
          {t('campaign.myCards')}
        </h2>
        <ul className="cp-cards">
          {c.cards.map((card) => (
            <li
              key={card.key}
              className={`cp-card${(me.cards[card.key] ?? 0) > 0 ? ' cp-card-held' : ''}`}
              data-card={card.key}
            >
              <span className="cp-card-name">{card.name}</span>
              <span className="cp-card-count">×{me.cards[card.key] ?? 0}</span>
            </li>
          ))}
        </ul>
        <p className="small">
          {me.complete ? <strong>{t('campaign.complete')} </strong> : null}
          {t('campaign.sets', { count: me.sets })}
        </p>
        {open ? (
          <>
            <button
              type="button"
              className="button button-red button-block"
              disabled={drawing || me.drawsLeftToday === 0}
              onClick={() => void draw()}
            >
              {t('campaign.draw')}
            </button>
            <p className="muted small" aria-live="polite">
              {me.drawsLeftToday > 0
                ? t('campaign.drawsLeft', { count: me.drawsLeftToday })
                : t('campaign.noDraws')}
            </p>
            {drawn ? (
              <p className="cp-drawn" role="status">
                {t('campaign.youDrew', { name: drawn.cardName })}
              </p>
            ) : null}
            {drawError ? <ErrorText>{errorMessage(t, drawError)}</ErrorText> : null}
          </>
        ) : null}
      </section>

      {open ? (
        <section className="card" aria-labelledby="give">
          <h2 id="give" className="card-title">
            {t('campaign.give')}
          </h2>
          {friends.data && friends.data.items.length === 0 ? (
            <p className="muted small">{t('campaign.noFriends')}</p>
          ) : (
            <form className="cp-gift" onSubmit={(e) => void give(e)}>
              <div className="field">
                <label htmlFor="gift-card">{t('campaign.giveCard')}</label>
                <select
                  id="gift-card"
                  name="card"
                  value={giftCard}
                  onChange={(e) => setGiftCard(e.target.value)}
                  required
                >
                  <option value="" />
                  {held.map((card) => (
                    <option key={card.key} value={card.key}>
                      {card.name} ×{me.cards[card.key]}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="gift-friend">{t('campaign.giveFriend')}</label>
                <select
                  id="gift-friend"
                  name="friend"
                  value={giftTo}
                  onChange={(e) => setGiftTo(e.target.value)}
                  required
                >
                  <option value="" />
                  {(friends.data?.items ?? []).map((fr) => (
                    <option key={fr.userId} value={fr.userId}>
                      {fr.nickname}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" className="button button-primary" disabled={giving}>
                {t('campaign.giveSubmit')}
              </button>
              {giftError ? <ErrorText>{errorMessage(t, giftError)}</ErrorText> : null}
            </form>
          )}
        </section>
      ) : null}

      <section className="card" aria-labelledby="odds">
        <h2 id="odds" className="card-title">
          {t('campaign.odds')}
        </h2>
        <table className="cp-odds">
          <thead>
            <tr>
              <th scope="col">{t('campaign.oddsCard')}</th>
              <th scope="col">{t('campaign.oddsWeight')}</th>
              <th scope="col">{t('campaign.oddsChance')}</th>
            </tr>
          </thead>
          <tbody>
            {c.cards.map((card) => (
              <tr key={card.key}>
                <td>{card.name}</td>
                <td>{card.weight}</td>
                <td>{(card.odds * 100).toFixed(2)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="fair">
        <h2 id="fair" className="card-title">
          {t('campaign.fairness')}
        </h2>
        <p className="small">{t('campaign.seedHash')}</p>
        <code className="cp-hash" data-testid="seed-hash">
          {c.seedHash}
        </code>
        {c.seed ? (
          <>
            <p className="small">{t('campaign.seed')}</p>
            <code className="cp-hash">{c.seed}</code>
          </>
        ) : (
          <p className="muted small">{t('campaign.seedHidden')}</p>
        )}
        <details>
          <summary className="small">{t('campaign.derivation')}</summary>
          <p className="small cp-derivation">{c.derivation}</p>
        </details>
        {me.draws.length > 0 ? (
          <details>
            <summary className="small">{t('campaign.myDraws')}</summary>
            <ol className="small">
              {me.draws.map((d) => (
                <li key={d.drawNumber}>{cardName(d.card)}</li>
              ))}
            </ol>
          </details>
        ) : null}
      </section>

      {c.result ? (
        <section className="card" aria-labelledby="result">
          <h2 id="result" className="card-title">
            {t('campaign.result')}
          </h2>
          <p>
            {t('campaign.resultLine', {
              sets: c.result.sets,
              winners: c.result.winners,
              share: f.money(c.result.shareAmount, c.currency),
              remainder: f.money(c.result.remainder, c.currency),
            })}
          </p>
          <p className="muted small">{c.result.remainderRule}</p>
        </section>
      ) : null}
    </div>
  );
}
