import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api.ts';
import { useMe } from '../auth.tsx';
import { ReportButton, RuleList, unmetText } from '../components/circle-ui.tsx';
import { PlusIcon } from '../components/icons.tsx';
import { CommentIcon, HeartIcon } from '../components/social-icons.tsx';
import { Avatar, PagedList } from '../components/social-ui.tsx';
import { EmptyState, ErrorText, Field, IconLink, Loading, PageHeader } from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { useToast } from '../toast.tsx';
import {
  type Access,
  type Action,
  type Attribute,
  type Circle,
  type CirclePost,
  type Condition,
  circles,
  type Rules,
  type Unmet,
} from './circles-api.ts';
import { uploadMedia } from './social-api.ts';

// ---------------------------------------------------------------------------------- discover

/** Discover circles (newest first, with search) and the ones I joined. */
export function CirclesPage() {
  const { t } = useTranslation();
  const [mine, setMine] = useState(false);
  const [query, setQuery] = useState('');
  const [q, setQ] = useState('');
  const list = usePaged(
    (cursor) => circles.list({ ...(cursor ? { cursor } : {}), ...(q ? { q } : {}), mine }),
    (c) => c.id,
    [mine, q],
  );
  return (
    <div className="page">
      <PageHeader
        title={t('circles.title')}
        back="/me"
        right={
          <IconLink to="/circles/new" label={t('circles.create')}>
            <PlusIcon />
          </IconLink>
        }
      />
      <form
        className="search-row"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(query.trim());
        }}
      >
        <label htmlFor="circle-search" className="visually-hidden">
          {t('circles.search')}
        </label>
        <input
          id="circle-search"
          className="circle-input"
          type="search"
          maxLength={40}
          placeholder={t('circles.search')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </form>
      <fieldset className="segmented">
        <legend className="visually-hidden">{t('circles.title')}</legend>
        {[false, true].map((m) => (
          <button
            key={String(m)}
            type="button"
            className={`segment${mine === m ? ' segment-on' : ''}`}
            aria-pressed={mine === m}
            onClick={() => setMine(m)}
          >
            {m ? t('circles.mine') : t('circles.discover')}
          </button>
        ))}
      </fieldset>
      <PagedList
        list={list}
        empty={<EmptyState title={mine ? t('circles.emptyMine') : t('circles.empty')} />}
      >
        <ul className="circle-list">
          {list.items.map((c) => (
            <li key={c.id} className="circle-item">
              <Link to={`/circles/${c.id}`} className="card circle-card">
                <span className="circle-name">{c.name}</span>
                <span className="muted small">{c.description}</span>
                <span className="circle-meta">
                  {t('circles.members', { count: c.memberCount })}
                  {c.member && <span className="chip chip-completed">{t('circles.joined')}</span>}
                  {Object.values(c.rules).some((l) => l && l.length > 0) && (
                    <span className="chip">{t('circles.gated')}</span>
                  )}
                  {c.tags.map((tag) => (
                    <span key={tag} className="chip">
                      #{tag}
                    </span>
                  ))}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      </PagedList>
    </div>
  );
}

// ---------------------------------------------------------------------------------- create

const OPS: Record<Attribute, Condition['op'][]> = {
  verified: ['eq'],
  student: ['eq'],
  age: ['gte', 'lte', 'eq'],
  memberDays: ['gte', 'lte'],
  creditScore: ['gte', 'lte'],
  gender: ['eq'],
  city: ['in'],
};

interface DraftCondition {
  key: number;
  attribute: Attribute;
  op: Condition['op'];
  value: string;
}

function toCondition(d: DraftCondition): Condition {
  if (d.attribute === 'verified' || d.attribute === 'student') {
    return { attribute: d.attribute, op: 'eq', value: d.value !== 'false' };
  }
  if (d.attribute === 'city') {
    return {
      attribute: 'city',
      op: 'in',
      value: d.value
        .split(/[,，\s]+/)
        .map((v) => v.trim())
        .filter(Boolean),
    };
  }
  if (d.attribute === 'gender') return { attribute: 'gender', op: 'eq', value: d.value };
  return { attribute: d.attribute, op: d.op, value: Number(d.value) };
}

/** Create a circle: name, description, tags, and who may view, post and comment. */
export function NewCirclePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const me = useMe();
  const policy = useAsync(() => circles.ruleAttributes(), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [drafts, setDrafts] = useState<Record<Action, DraftCondition[]>>({
    view: [],
    post: [],
    comment: [],
  });
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  let nextKey = Object.values(drafts).flat().length + 1;

  const add = (action: Action) =>
    setDrafts((d) => ({
      ...d,
      [action]: [
        ...d[action],
        { key: Date.now() + nextKey++, attribute: 'age', op: 'gte', value: '18' },
      ],
    }));
  const change = (action: Action, key: number, patch: Partial<DraftCondition>) =>
    setDrafts((d) => ({
      ...d,
      [action]: d[action].map((c) => {
        if (c.key !== key) return c;
        const next = { ...c, ...patch };
        if (patch.attribute) {
          next.op = OPS[patch.attribute][0]!;
          next.value =
            patch.attribute === 'verified' || patch.attribute === 'student'
              ? 'true'
              : patch.attribute === 'gender'
                ? 'female'
                : patch.attribute === 'city'
                  ? ''
                  : '0';
        }
        return next;
      }),
    }));
  const remove = (action: Action, key: number) =>
    setDrafts((d) => ({ ...d, [action]: d[action].filter((c) => c.key !== key) }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const rules: Rules = {};
    for (const action of ['view', 'post', 'comment'] as const) {
      if (drafts[action].length) rules[action] = drafts[action].map(toCondition);
    }
    try {
      const circle = await circles.create({
        name: name.trim(),
        description: description.trim(),
        tags: tags
          .split(/[,，\s]+/)
          .map((x) => x.trim())
          .filter(Boolean),
        rules,
      });
      navigate(`/circles/${circle.id}`, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'rule_forbidden') {
        const attrs = (err.problem.attributes as Attribute[] | undefined) ?? [];
        setError(
          t('circles.forbiddenRule', {
            attributes: attrs.map((a) => t(`circles.attr.${a}`)).join(t('common.listSeparator')),
          }),
        );
      } else setError(errorMessage(t, err, { verification_required: 'circles.verifyToCreate' }));
    } finally {
      setBusy(false);
    }
  };

  const forbidden = new Set(policy.data?.forbidden ?? []);
  return (
    <div className="page">
      <PageHeader title={t('circles.create')} back="/circles" />
      {!me.verified && (
        <Link to="/me/verify" className="notice notice-warn">
          <span className="notice-text">{t('circles.verifyToCreate')}</span>
        </Link>
      )}
      <form className="form-card" onSubmit={submit}>
        <Field label={t('circles.name')}>
          {(p) => (
            <input
              {...p}
              required
              maxLength={40}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('circles.description')}>
          {(p) => (
            <textarea
              {...p}
              rows={3}
              maxLength={500}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('circles.tags')} hint={t('circles.tagsHint')}>
          {(p) => (
            <input {...p} maxLength={120} value={tags} onChange={(e) => setTags(e.target.value)} />
          )}
        </Field>
        <section className="card rules-editor" aria-labelledby="rules-title">
          <h2 id="rules-title" className="card-title">
            {t('circles.rules')}
          </h2>
          <p className="muted small">{t('circles.rulesHint')}</p>
          {(['view', 'post', 'comment'] as const).map((action) => (
            <fieldset key={action} className="rule-group">
              <legend className="rule-group-title">{t(`circles.action.${action}`)}</legend>
              {drafts[action].length === 0 && (
                <p className="muted small">{t('circles.everyone')}</p>
              )}
              {drafts[action].map((d) => (
                <div key={d.key} className="rule-edit-row">
                  <select
                    className="circle-input"
                    aria-label={t('circles.attribute')}
                    value={d.attribute}
                    onChange={(e) =>
                      change(action, d.key, { attribute: e.target.value as Attribute })
                    }
                  >
                    {(Object.keys(OPS) as Attribute[]).map((a) => (
                      <option key={a} value={a} disabled={forbidden.has(a)}>
                        {t(`circles.attr.${a}`)}
                        {forbidden.has(a) ? ` (${t('circles.forbiddenShort')})` : ''}
                      </option>
                    ))}
                  </select>
                  {OPS[d.attribute].length > 1 && (
                    <select
                      aria-label={t('circles.op')}
                      value={d.op}
                      onChange={(e) =>
                        change(action, d.key, { op: e.target.value as Condition['op'] })
                      }
                    >
                      {OPS[d.attribute].map((op) => (
                        <option key={op} value={op}>
                          {t(`circles.ops.${op}`)}
                        </option>
                      ))}
                    </select>
                  )}
                  {d.attribute === 'verified' || d.attribute === 'student' ? (
                    <select
                      aria-label={t('circles.value')}
                      value={d.value}
                      onChange={(e) => change(action, d.key, { value: e.target.value })}
                    >
                      <option value="true">{t('circles.yes')}</option>
                      <option value="false">{t('circles.no')}</option>
                    </select>
                  ) : d.attribute === 'gender' ? (
                    <select
                      aria-label={t('circles.value')}
                      value={d.value}
                      onChange={(e) => change(action, d.key, { value: e.target.value })}
                    >
                      <option value="female">{t('circles.gender.female')}</option>
                      <option value="male">{t('circles.gender.male')}</option>
                    </select>
                  ) : (
                    <input
                      className="circle-input"
                      aria-label={t('circles.value')}
                      inputMode={d.attribute === 'city' ? 'text' : 'numeric'}
                      placeholder={d.attribute === 'city' ? '3101, 1101' : ''}
                      value={d.value}
                      onChange={(e) => change(action, d.key, { value: e.target.value })}
                    />
                  )}
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => remove(action, d.key)}
                  >
                    {t('circles.removeCondition')}
                  </button>
                </div>
              ))}
              <button type="button" className="link-button" onClick={() => add(action)}>
                {t('circles.addCondition')}
              </button>
            </fieldset>
          ))}
          {policy.data && policy.data.forbidden.length > 0 && (
            <p className="muted small">
              {t('circles.policyNote', {
                attributes: policy.data.forbidden
                  .map((a) => t(`circles.attr.${a}`))
                  .join(t('common.listSeparator')),
              })}
            </p>
          )}
        </section>
        {error && <ErrorText>{error}</ErrorText>}
        <button
          type="submit"
          className="button button-primary button-block"
          disabled={busy || !name.trim()}
        >
          {t('circles.createSubmit')}
        </button>
      </form>
    </div>
  );
}

// ---------------------------------------------------------------------------------- detail

/** Why I cannot do something here: each unmet condition, with where to fix it when I can. */
export function WhyNot({ action, unmet }: { action: Action; unmet: Unmet[] }) {
  const { t } = useTranslation();
  return (
    <div className="notice notice-info why-not" role="note">
      <span className="notice-text">
        <strong>{t(`circles.cannot.${action}`)}</strong>
        <ul className="why-list">
          {unmet.map((u, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
            <li key={i}>
              <span className="why-item">{unmetText(t, u)}</span>
              {u.reason === 'needs_verification' && (
                <>
                  {' '}
                  <Link to="/me/verify">{t('circles.fixVerify')}</Link>
                </>
              )}
              {u.reason === 'needs_student' && (
                <>
                  {' '}
                  <Link to="/me/student">{t('circles.fixStudent')}</Link>
                </>
              )}
            </li>
          ))}
        </ul>
      </span>
    </div>
  );
}

function AccessSummary({ access }: { access: Access }) {
  const { t } = useTranslation();
  return (
    <ul className="access-list">
      {(['view', 'post', 'comment'] as const).map((a) => (
        <li key={a} className={access[a] ? 'access-yes' : 'access-no'}>
          <span aria-hidden="true">{access[a] ? '✓' : '✕'}</span> {t(`circles.action.${a}`)}
          <span className="visually-hidden">{access[a] ? t('circles.yes') : t('circles.no')}</span>
        </li>
      ))}
    </ul>
  );
}

function Gone() {
  const { t } = useTranslation();
  return <EmptyState title={t('circles.gone')} hint={t('circles.goneHint')} />;
}

export function CirclePage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const me = useMe();
  const toast = useToast();
  const circle = useAsync((signal) => circles.get(id, signal), [id]);
  const [busy, setBusy] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const c = circle.data;
  if (circle.error instanceof ApiError && circle.error.code === 'gone') {
    return (
      <div className="page">
        <PageHeader title={t('circles.title')} back="/circles" />
        <Gone />
      </div>
    );
  }
  const joinOrLeave = async () => {
    if (!c) return;
    setBusy(true);
    try {
      if (c.member) await circles.leave(c.id);
      else await circles.join(c.id);
      circle.reload();
    } catch (err) {
      toast(errorMessage(t, err), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page">
      <PageHeader
        title={c?.name ?? t('circles.title')}
        back="/circles"
        right={
          c && c.ownerId !== me.id ? (
            <ReportButton target={{ type: 'circle', id: c.id }} />
          ) : undefined
        }
      />
      {circle.error ? <ErrorText>{errorMessage(t, circle.error)}</ErrorText> : null}
      {!c ? (
        !circle.error && <Loading />
      ) : (
        <>
          <section className="card circle-head">
            <p className="circle-head-line">{c.description}</p>
            <p className="circle-meta circle-head-line">
              {t('circles.members', { count: c.memberCount })}
              {c.tags.map((tag) => (
                <span key={tag} className="chip">
                  #{tag}
                </span>
              ))}
            </p>
            {c.ownerId !== me.id && (
              <button
                type="button"
                className={`button ${c.member ? 'button-secondary' : 'button-primary'} button-block`}
                onClick={joinOrLeave}
                disabled={busy || (!c.member && !c.myAccess?.view)}
              >
                {c.member ? t('circles.leave') : t('circles.join')}
              </button>
            )}
          </section>
          <section className="card" aria-labelledby="rules-title">
            <h2 id="rules-title" className="card-title">
              {t('circles.rules')}
            </h2>
            <RuleList rules={c.rules} action="view" />
            <RuleList rules={c.rules} action="post" />
            <RuleList rules={c.rules} action="comment" />
            <button type="button" className="link-button" onClick={() => setShowHistory((s) => !s)}>
              {showHistory ? t('circles.hideHistory') : t('circles.history')}
            </button>
            {showHistory && <RuleHistory circleId={c.id} />}
          </section>
          {c.myAccess && (
            <section className="card" aria-labelledby="access-title">
              <h2 id="access-title" className="card-title">
                {t('circles.myAccess')}
              </h2>
              <AccessSummary access={c.myAccess} />
              {(['view', 'post', 'comment'] as const)
                // A member's "why not post" stands where the compose box would be.
                .filter((a) => !(a === 'post' && c.member && c.myAccess?.view))
                .map((a) =>
                  c.myAccess?.unmet[a] ? (
                    <WhyNot key={a} action={a} unmet={c.myAccess.unmet[a]!} />
                  ) : null,
                )}
            </section>
          )}
          {c.member && c.myAccess?.view ? (
            <CirclePosts circle={c} />
          ) : (
            <p className="muted small center">{t('circles.joinToRead')}</p>
          )}
        </>
      )}
    </div>
  );
}

function RuleHistory({ circleId }: { circleId: string }) {
  const { t } = useTranslation();
  const { dateTime } = useFormat();
  const history = useAsync(() => circles.history(circleId), [circleId]);
  if (history.error) return <ErrorText>{errorMessage(t, history.error)}</ErrorText>;
  if (!history.data) return <Loading />;
  return (
    <ol className="rule-history">
      {history.data.items.map((h) => (
        <li key={h.createdAt + JSON.stringify(h.rules)} className="rule-history-item">
          <time dateTime={h.createdAt} className="muted small">
            {dateTime(h.createdAt)}
          </time>
          <RuleList rules={h.rules} action="view" />
          <RuleList rules={h.rules} action="post" />
          <RuleList rules={h.rules} action="comment" />
        </li>
      ))}
    </ol>
  );
}

function CirclePosts({ circle }: { circle: Circle }) {
  const { t } = useTranslation();
  const list = usePaged(
    (cursor) => circles.posts(circle.id, cursor),
    (p) => p.id,
    [circle.id],
  );
  return (
    <>
      {circle.myAccess?.post ? (
        <CircleCompose circleId={circle.id} onPosted={list.reload} />
      ) : (
        circle.myAccess?.unmet.post && <WhyNot action="post" unmet={circle.myAccess.unmet.post} />
      )}
      <PagedList list={list} empty={<EmptyState title={t('circles.noPosts')} />}>
        <ul className="circle-posts">
          {list.items.map((p) => (
            <li key={p.id} className="circle-item">
              <CirclePostCard
                post={p}
                onChange={(next) =>
                  list.update((items) => items.map((x) => (x.id === next.id ? next : x)))
                }
              />
            </li>
          ))}
        </ul>
      </PagedList>
    </>
  );
}

function CircleCompose({ circleId, onPosted }: { circleId: string; onPosted: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [mediaIds, setMediaIds] = useState<string[]>([]);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const post = await circles.createPost(circleId, { text: text.trim(), mediaIds });
      setText('');
      setMediaIds([]);
      if (post.status === 'held') setError(t('circles.heldNotice'));
      onPosted();
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card circle-compose" onSubmit={submit}>
      <label htmlFor="circle-post-text" className="visually-hidden">
        {t('circles.postLabel')}
      </label>
      <textarea
        id="circle-post-text"
        className="circle-input"
        rows={3}
        maxLength={2000}
        placeholder={t('circles.postPlaceholder')}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="compose-actions">
        <label className="link-button">
          {uploading ? t('common.processing') : t('circles.addPhoto', { count: mediaIds.length })}
          <input
            type="file"
            accept="image/jpeg,image/png,image/webp"
            className="visually-hidden"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (!file) return;
              setUploading(true);
              uploadMedia(file, () => {}).then(
                (m) => {
                  setMediaIds((ids) => [...ids, m.id]);
                  setUploading(false);
                },
                (err: unknown) => {
                  setError(errorMessage(t, err));
                  setUploading(false);
                },
              );
            }}
          />
        </label>
        <button
          type="submit"
          className="button button-primary button-small"
          disabled={busy || uploading || (!text.trim() && mediaIds.length === 0)}
        >
          {t('circles.publish')}
        </button>
      </div>
      {error && <ErrorText>{error}</ErrorText>}
    </form>
  );
}

function CirclePostCard({
  post,
  onChange,
  linkComments = true,
}: {
  post: CirclePost;
  onChange: (p: CirclePost) => void;
  linkComments?: boolean;
}) {
  const { t } = useTranslation();
  const me = useMe();
  const toast = useToast();
  const { dateTime } = useFormat();
  const like = async () => {
    try {
      const r = await circles.like(post.circleId, post.id, !post.likedByMe);
      onChange({ ...post, likedByMe: r.liked, likeCount: r.likeCount });
    } catch (err) {
      toast(errorMessage(t, err), 'error');
    }
  };
  return (
    <article className="card circle-post">
      <header className="circle-post-head">
        <Avatar name={post.author.nickname} id={post.author.userId} size="small" />
        <span className="feed-name">{post.author.nickname}</span>
        <time dateTime={post.createdAt} className="feed-meta">
          {dateTime(post.createdAt)}
        </time>
        {post.status === 'held' && <span className="chip chip-pending">{t('post.held')}</span>}
      </header>
      {post.text && <p className="circle-post-text">{post.text}</p>}
      {post.media.length > 0 && (
        <div className="circle-post-media">
          {post.media.map((m) => (
            <img
              key={m.id}
              className="circle-post-photo"
              src={m.thumbnailUrl ?? m.url}
              alt=""
              loading="lazy"
            />
          ))}
        </div>
      )}
      <footer className="circle-post-actions">
        <button
          type="button"
          className="link-button circle-post-action"
          aria-pressed={post.likedByMe}
          aria-label={t('circles.like')}
          onClick={like}
        >
          <HeartIcon filled={post.likedByMe} size={18} /> {post.likeCount}
        </button>
        {linkComments ? (
          <Link
            to={`/circles/${post.circleId}/posts/${post.id}`}
            className="link-button circle-post-action"
          >
            <CommentIcon size={18} /> {t('circles.comments', { count: post.commentCount })}
          </Link>
        ) : (
          <span className="muted small">{t('circles.comments', { count: post.commentCount })}</span>
        )}
        {post.author.userId !== me.id && <ReportButton target={{ type: 'post', id: post.id }} />}
      </footer>
    </article>
  );
}

// ---------------------------------------------------------------------------------- post

export function CirclePostPage() {
  const { id = '', postId = '' } = useParams();
  const { t } = useTranslation();
  const me = useMe();
  const { dateTime } = useFormat();
  const circle = useAsync((signal) => circles.get(id, signal), [id]);
  const post = useAsync(() => circles.post(id, postId), [id, postId]);
  const comments = usePaged(
    (cursor) => circles.comments(id, postId, cursor),
    (c) => c.id,
    [id, postId],
  );
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const gone =
    (post.error instanceof ApiError && post.error.code === 'gone') ||
    (circle.error instanceof ApiError && circle.error.code === 'gone');
  const send = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const c = await circles.comment(id, postId, text.trim());
      setText('');
      if (c.status === 'held') setError(t('circles.heldNotice'));
      comments.reload();
      post.reload();
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };
  const access = circle.data?.myAccess;
  return (
    <div className="page">
      <PageHeader title={circle.data?.name ?? t('circles.title')} back={`/circles/${id}`} />
      {gone ? (
        <Gone />
      ) : post.error ? (
        <ErrorText>{errorMessage(t, post.error)}</ErrorText>
      ) : !post.data ? (
        <Loading />
      ) : (
        <>
          <CirclePostCard post={post.data} onChange={() => post.reload()} linkComments={false} />
          <section className="card" aria-labelledby="comments-title">
            <h2 id="comments-title" className="card-title">
              {t('circles.comments', { count: post.data.commentCount })}
            </h2>
            {access?.comment ? (
              <form className="comment-form" onSubmit={send}>
                <label htmlFor="circle-comment" className="visually-hidden">
                  {t('post.commentLabel')}
                </label>
                <input
                  id="circle-comment"
                  maxLength={500}
                  autoComplete="off"
                  placeholder={t('post.commentPlaceholder')}
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                />
                <button
                  type="submit"
                  className="button button-primary button-small"
                  disabled={busy || !text.trim()}
                >
                  {t('post.send')}
                </button>
              </form>
            ) : (
              access?.unmet.comment && <WhyNot action="comment" unmet={access.unmet.comment} />
            )}
            {error && <ErrorText>{error}</ErrorText>}
            <PagedList
              list={comments}
              empty={<p className="muted small">{t('circles.noComments')}</p>}
            >
              <ul className="comment-list">
                {comments.items.map((c) => (
                  <li key={c.id} className="comment">
                    <Avatar name={c.author.nickname} id={c.author.userId} size="small" />
                    <div className="comment-main">
                      <p className="comment-head">
                        <span className="feed-name">{c.author.nickname}</span>
                        <time dateTime={c.createdAt} className="feed-meta">
                          {dateTime(c.createdAt)}
                        </time>
                        {c.status === 'held' && (
                          <span className="chip chip-pending">{t('post.held')}</span>
                        )}
                      </p>
                      <p className="comment-text">{c.text}</p>
                      {c.author.userId !== me.id && (
                        <ReportButton target={{ type: 'comment', id: c.id }} />
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            </PagedList>
          </section>
        </>
      )}
    </div>
  );
}

// ---------------------------------------------------------------------------------- student

export function StudentVerifyPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const toast = useToast();
  const [school, setSchool] = useState('');
  const [year, setYear] = useState(String(new Date().getFullYear() - 1));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await circles.verifyStudent({ school: school.trim(), enrollmentYear: Number(year) });
      toast(t('student.done'));
      navigate(-1);
    } catch (err) {
      setError(errorMessage(t, err, { validation_error: 'student.notConfirmed' }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page">
      <PageHeader title={t('student.title')} back={true} />
      <p className="muted small">{t('student.hint')}</p>
      <form className="form-card" onSubmit={submit}>
        <Field label={t('student.school')}>
          {(p) => (
            <input
              {...p}
              required
              maxLength={60}
              value={school}
              onChange={(e) => setSchool(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('student.year')}>
          {(p) => (
            <input
              {...p}
              required
              inputMode="numeric"
              pattern="[0-9]{4}"
              value={year}
              onChange={(e) => setYear(e.target.value)}
            />
          )}
        </Field>
        {error && <ErrorText>{error}</ErrorText>}
        <button
          type="submit"
          className="button button-primary button-block"
          disabled={busy || !school.trim()}
        >
          {t('student.submit')}
        </button>
      </form>
    </div>
  );
}
