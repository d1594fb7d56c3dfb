import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useToast } from '../toast.tsx';
import { type CharityProject, campaignsApi } from './campaigns-api.ts';

function ProjectCard({
  project,
  eggs,
  onDonated,
}: {
  project: CharityProject;
  eggs: number;
  onDonated: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const [count, setCount] = useState(1);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const donate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await campaignsApi.donate(project.id, count);
      toast(
        t('farm.donated', {
          eggs: r.eggs,
          amount: f.money(r.amount, r.currency),
          name: project.name,
        }),
        'success',
      );
      onDonated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="card fm-project">
      <h3>{project.name}</h3>
      <p className="small">{project.description}</p>
      <p className="muted small">
        {t('farm.sponsor', {
          sponsor: project.sponsor,
          pledge: f.money(project.pledgePerEgg, project.currency),
        })}
      </p>
      <p className="small">
        {t('farm.totals', {
          eggs: project.eggsDonated,
          amount: f.money(project.amountDonated, project.currency),
        })}
      </p>
      <div className="button-row">
        <label className="fm-eggs">
          <span className="visually-hidden">{t('farm.eggsToDonate')}</span>
          <input
            className="fm-eggs-input"
            type="number"
            min={1}
            max={Math.max(1, eggs)}
            value={count}
            onChange={(e) => setCount(Math.max(1, Number(e.target.value) || 1))}
          />
        </label>
        <button
          type="button"
          className="button button-primary button-small"
          disabled={busy || eggs < 1}
          onClick={() => void donate()}
        >
          {t('farm.donate')}
        </button>
      </div>
      {error ? <ErrorText>{errorMessage(t, error)}</ErrorText> : null}
    </li>
  );
}

/** The charity farm: the hen, feed and eggs, and the projects eggs are donated to. */
export function FarmPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const farm = useAsync(() => campaignsApi.farm(), []);
  const projects = useAsync(() => campaignsApi.projects(), []);
  const [error, setError] = useState<unknown>();
  const data = farm.data;
  const feed = async () => {
    setError(undefined);
    try {
      await campaignsApi.feed();
      toast(t('farm.fed'), 'success');
      farm.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="page farm-page">
      <PageHeader title={t('farm.title')} back />
      {!data ? (
        farm.error ? (
          <ErrorText>{errorMessage(t, farm.error)}</ErrorText>
        ) : (
          <Loading />
        )
      ) : (
        <section className="card fm-hen">
          <p className="fm-hen-icon" aria-hidden="true">
            🐔
          </p>
          <p>
            {data.hen.eating && data.hen.hungryAt
              ? t('farm.eating', { when: f.shortDateTime(data.hen.hungryAt) })
              : t('farm.hungry')}
          </p>
          <p className="small">
            {t('farm.feed', { grams: data.feed })} · {t('farm.eggs', { count: data.eggs })}
          </p>
          <p className="muted small">{t('farm.donatedSoFar', { count: data.eggsDonated })}</p>
          <button
            type="button"
            className="button button-primary button-block"
            disabled={data.hen.eating || data.feed < data.feedPerMeal}
            onClick={() => void feed()}
          >
            {t('farm.feedHen', { grams: data.feedPerMeal })}
          </button>
          <p className="muted small">{t('farm.earnHint')}</p>
          {error ? <ErrorText>{errorMessage(t, error)}</ErrorText> : null}
        </section>
      )}
      <h2 className="card-title">{t('farm.projects')}</h2>
      {projects.data && projects.data.items.length === 0 ? (
        <p className="muted">{t('farm.projectsEmpty')}</p>
      ) : (
        <ul className="fm-projects">
          {(projects.data?.items ?? []).map((p) => (
            <ProjectCard
              key={p.id}
              project={p}
              eggs={data?.eggs ?? 0}
              onDonated={() => {
                farm.reload();
                projects.reload();
              }}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
