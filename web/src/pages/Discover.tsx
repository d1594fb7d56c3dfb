import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { timeAgo } from '../components/social-format.ts';
import { EmptyState, ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useAsync } from '../hooks.ts';
import { campaignsApi, type DiscoveryItem } from './campaigns-api.ts';

const TABS = ['posts', 'live', 'circles', 'merchants'] as const;
type Tab = (typeof TABS)[number];

function Reasons({ item }: { item: DiscoveryItem }) {
  const { t } = useTranslation();
  return (
    <ul className="ds-reasons" aria-label="reasons">
      {item.reasons.map((r) => (
        <li key={r} className="chip chip-pending">
          {t(`discover.reason.${r}`)}
        </li>
      ))}
    </ul>
  );
}

function Item({ item }: { item: DiscoveryItem }) {
  const { t, i18n } = useTranslation();
  const distance =
    item.distanceM !== undefined ? (
      <span className="muted"> · {t('discover.distance', { meters: item.distanceM })}</span>
    ) : null;
  if (item.circle) {
    const c = item.circle;
    return (
      <li className="card ds-item" data-item={item.id}>
        <p>
          <Link to={`/circles/${c.id}`} className="ds-text">
            {c.name}
          </Link>
        </p>
        <p className="small muted">
          {c.description} · {t('discover.members', { count: c.memberCount })}
        </p>
        <Reasons item={item} />
      </li>
    );
  }
  if (item.merchant) {
    const m = item.merchant;
    return (
      <li className="card ds-item" data-item={item.id}>
        <p>
          <Link to={`/merchants/${m.id}`} className="ds-text">
            {m.name}
          </Link>
        </p>
        <p className="small muted">
          {m.address}
          {m.rating.average !== null
            ? ` · ★ ${m.rating.average} (${m.rating.count})`
            : ` · ${t('discover.noRatings')}`}
          {distance}
        </p>
        <Reasons item={item} />
      </li>
    );
  }
  const p = item.post;
  if (!p) return null;
  return (
    <li className="card ds-item" data-item={item.id}>
      <p className="small">
        <Link to={`/users/${p.author.userId}`}>{p.author.nickname}</Link>{' '}
        <time className="muted" dateTime={p.createdAt}>
          {timeAgo(i18n.language, p.createdAt)}
        </time>
        {distance}
      </p>
      <p>
        <Link to={`/posts/${p.id}`} className="ds-text">
          {p.text}
        </Link>
      </p>
      <Reasons item={item} />
    </li>
  );
}

/** Discovery: posts for me, 现场 (posts near a place), circles and merchants. */
export function DiscoverPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '')
    ? (params.get('tab') as Tab)
    : 'posts';
  const near = params.get('near') ?? '';
  const [place, setPlace] = useState(near);
  const list = useAsync(
    () =>
      tab === 'live' && !near
        ? Promise.resolve({ items: [] as DiscoveryItem[] })
        : campaignsApi.discover(tab === 'live' ? 'posts' : tab, tab === 'live' ? near : undefined),
    [tab, near],
  );
  const search = (e: FormEvent) => {
    e.preventDefault();
    setParams({ tab: 'live', near: place.trim() });
  };
  const locate = () => {
    navigator.geolocation?.getCurrentPosition((pos) => {
      const value = `${pos.coords.latitude.toFixed(4)},${pos.coords.longitude.toFixed(4)}`;
      setPlace(value);
      setParams({ tab: 'live', near: value });
    });
  };
  return (
    <div className="page discover-page">
      <PageHeader title={t('discover.title')} back />
      <div className="segmented box-switch" role="tablist" aria-label={t('discover.title')}>
        {TABS.map((x) => (
          <button
            key={x}
            type="button"
            role="tab"
            aria-selected={tab === x}
            className={`segment${tab === x ? ' segment-on' : ''}`}
            onClick={() => setParams(x === 'posts' ? {} : { tab: x }, { replace: true })}
          >
            {t(`discover.tabs.${x}`)}
          </button>
        ))}
      </div>
      {tab === 'live' ? (
        <form className="card ds-near" onSubmit={search}>
          <div className="field">
            <label htmlFor="discover-near">{t('discover.near')}</label>
            <input
              id="discover-near"
              name="near"
              value={place}
              onChange={(e) => setPlace(e.target.value)}
              placeholder="30.2596,120.2155"
            />
          </div>
          <div className="button-row">
            <button type="submit" className="button button-primary button-small">
              {t('discover.search')}
            </button>
            <button type="button" className="button button-secondary button-small" onClick={locate}>
              {t('discover.useMyLocation')}
            </button>
          </div>
        </form>
      ) : null}
      {list.error ? <ErrorText>{errorMessage(t, list.error)}</ErrorText> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 ? (
        <EmptyState title={t('discover.empty')} hint={t('discover.emptyHint')} />
      ) : null}
      <ul className="ds-list">
        {(list.data?.items ?? []).map((item) => (
          <Item key={item.id} item={item} />
        ))}
      </ul>
    </div>
  );
}
