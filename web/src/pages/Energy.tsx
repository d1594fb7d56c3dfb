import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ChevronIcon } from '../components/icons.tsx';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useToast } from '../toast.tsx';
import { campaignsApi, type EnergyBall } from './campaigns-api.ts';
import { social } from './social-api.ts';

function BallButton({
  ball,
  label,
  onCollect,
}: {
  ball: EnergyBall;
  label: string;
  onCollect: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [busy, setBusy] = useState(false);
  return (
    <li className={`en-ball${ball.ripe ? ' en-ball-ripe' : ''}`} data-ball={ball.id}>
      <span className="en-ball-grams">{ball.amount} g</span>
      <span className="muted small">{t(`energy.category.${ball.category}`, ball.category)}</span>
      {ball.ripe ? (
        <button
          type="button"
          className="button button-primary button-small"
          disabled={busy || ball.collectedByMe === true}
          onClick={() => {
            setBusy(true);
            void onCollect().finally(() => setBusy(false));
          }}
        >
          {ball.collectedByMe ? t('energy.taken') : label}
        </button>
      ) : (
        <span className="muted small">
          {t('energy.ripensAt', { when: f.shortDateTime(ball.ripensAt) })}
        </span>
      )}
    </li>
  );
}

/** My energy: balls ripening and ripe, trees, friends to visit, the leaderboard. */
export function EnergyPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const energy = useAsync(() => campaignsApi.energy(), []);
  const board = useAsync(() => campaignsApi.leaderboard(), []);
  const friends = useAsync(() => social.friends(undefined, 100), []);
  const [error, setError] = useState<unknown>();

  const e = energy.data;
  const collect = async (ball: EnergyBall) => {
    setError(undefined);
    try {
      const r = await campaignsApi.collect(ball.id);
      toast(t('energy.collected', { grams: r.collected }), 'success');
      energy.reload();
      board.reload();
    } catch (err) {
      setError(err);
    }
  };
  const plant = async (species: string) => {
    setError(undefined);
    try {
      const tree = await campaignsApi.plant(species);
      toast(t('energy.planted', { certificate: tree.certificate }), 'success');
      energy.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="page energy-page">
      <PageHeader title={t('energy.title')} back />
      {!e ? (
        energy.error ? (
          <ErrorText>{errorMessage(t, energy.error)}</ErrorText>
        ) : (
          <Loading />
        )
      ) : (
        <>
          <section className="card en-hero">
            <p className="en-total" data-testid="energy-total">
              {t('energy.total', { grams: e.total })}
            </p>
          </section>
          {error ? <ErrorText>{errorMessage(t, error)}</ErrorText> : null}
          <section className="card" aria-labelledby="balls">
            <h2 id="balls" className="card-title">
              {t('energy.balls')}
            </h2>
            {e.balls.length === 0 ? (
              <p className="muted small">{t('energy.ballsEmpty')}</p>
            ) : (
              <ul className="en-balls">
                {e.balls.map((b) => (
                  <BallButton
                    key={b.id}
                    ball={b}
                    label={t('energy.collect', { grams: b.amount })}
                    onCollect={() => collect(b)}
                  />
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="trees">
            <h2 id="trees" className="card-title">
              {t('energy.trees')}
            </h2>
            {e.trees.length === 0 ? (
              <p className="muted small">{t('energy.treesEmpty')}</p>
            ) : (
              <ul className="en-trees">
                {e.trees.map((tree) => (
                  <li key={tree.id}>
                    🌳 {tree.speciesName} ·{' '}
                    <span className="muted small">
                      {t('energy.certificate', { certificate: tree.certificate })}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <div className="en-species">
              {e.species.map((s) => (
                <button
                  key={s.key}
                  type="button"
                  className="button button-secondary button-small"
                  disabled={e.total < s.cost}
                  onClick={() => void plant(s.key)}
                >
                  {t('energy.plant', { name: s.name, cost: s.cost })}
                </button>
              ))}
            </div>
          </section>
        </>
      )}
      <section className="card" aria-labelledby="friends-energy">
        <h2 id="friends-energy" className="card-title">
          {t('energy.friends')}
        </h2>
        {friends.data && friends.data.items.length === 0 ? (
          <p className="muted small">{t('energy.friendsEmpty')}</p>
        ) : (
          <nav className="menu">
            {(friends.data?.items ?? []).map((fr) => (
              <Link key={fr.userId} to={`/energy/friends/${fr.userId}`} className="menu-item">
                <span className="menu-label">{fr.nickname}</span>
                <ChevronIcon size={18} />
              </Link>
            ))}
          </nav>
        )}
      </section>
      <section className="card" aria-labelledby="board">
        <h2 id="board" className="card-title">
          {t('energy.leaderboard')}
        </h2>
        <ol className="en-board">
          {(board.data?.items ?? []).map((row) => (
            <li key={row.userId} className={`en-board-row${row.me ? ' en-board-me' : ''}`}>
              <span className="en-rank">{row.rank}</span>
              <span className="menu-label">{row.nickname}</span>
              <span className="muted small">
                {t('energy.rankRow', { energy: row.energy, trees: row.trees })}
              </span>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

/** A friend's balls: take a share of each ripe one, once. */
export function FriendEnergyPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const toast = useToast();
  const balls = useAsync(() => campaignsApi.friendEnergy(id), [id]);
  const friends = useAsync(() => social.friends(undefined, 100), []);
  const [error, setError] = useState<unknown>();
  const name = friends.data?.items.find((x) => x.userId === id)?.nickname ?? '';
  return (
    <div className="page">
      <PageHeader title={t('energy.friendTitle', { name })} back="/energy" />
      {balls.error ? <ErrorText>{errorMessage(t, balls.error)}</ErrorText> : null}
      {error ? <ErrorText>{errorMessage(t, error)}</ErrorText> : null}
      {!balls.data ? (
        balls.error ? null : (
          <Loading />
        )
      ) : balls.data.balls.length === 0 ? (
        <p className="card muted">{t('energy.friendBallsEmpty')}</p>
      ) : (
        <section className="card">
          <ul className="en-balls">
            {balls.data.balls.map((b) => (
              <BallButton
                key={b.id}
                ball={b}
                label={t('energy.takeShare')}
                onCollect={async () => {
                  setError(undefined);
                  try {
                    const r = await campaignsApi.collectFromFriend(id, b.id);
                    toast(t('energy.collected', { grams: r.collected }), 'success');
                    balls.reload();
                  } catch (err) {
                    setError(err);
                  }
                }}
              />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
