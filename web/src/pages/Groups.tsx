import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { EnvelopeIcon, PlusIcon } from '../components/icons.tsx';
import { GroupIcon } from '../components/social-icons.tsx';
import { Avatar, LoadMore, PagedList } from '../components/social-ui.tsx';
import {
  EmptyState,
  ErrorText,
  Field,
  IconLink,
  Loading,
  PageHeader,
  SubmitButton,
} from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { errorMessage } from '../errors.ts';
import { useToast } from '../toast.tsx';
import { social } from './social-api.ts';

/** My groups: enough to send a red envelope to one, and to start a new one. */
export function GroupsPage() {
  const { t } = useTranslation();
  const groups = usePaged(
    (c) => social.groups(c),
    (g) => g.id,
    [],
  );
  return (
    <div className="page">
      <PageHeader
        title={t('groups.title')}
        back
        right={
          <IconLink to="/groups/new" label={t('groups.create')}>
            <PlusIcon />
          </IconLink>
        }
      />
      <section className="card" aria-label={t('groups.title')}>
        <PagedList
          list={groups}
          empty={
            <EmptyState
              title={t('groups.empty')}
              hint={t('groups.emptyHint')}
              icon={<GroupIcon size={36} />}
            >
              <Link to="/groups/new" className="button button-secondary button-small">
                {t('groups.create')}
              </Link>
            </EmptyState>
          }
        >
          <ul className="people-list">
            {groups.items.map((g) => (
              <li key={g.id} className="person-row">
                <span className="group-avatar" aria-hidden="true">
                  <GroupIcon size={22} />
                </span>
                <Link to={`/groups/${g.id}`} className="person-main person-link">
                  <span className="person-name">{g.name}</span>
                  <span className="person-sub">
                    {t('groups.members', { count: g.memberCount })} · {t(`groups.role.${g.role}`)}
                  </span>
                </Link>
                <Link
                  to={`/red-packets/new?${new URLSearchParams({ group: g.id, name: g.name })}`}
                  className="button button-small button-red"
                  aria-label={t('groups.sendRedPacketTo', { name: g.name })}
                >
                  <EnvelopeIcon size={18} /> {t('groups.sendRedPacket')}
                </Link>
              </li>
            ))}
          </ul>
        </PagedList>
      </section>
    </div>
  );
}

/** A new group from some of my friends. */
export function NewGroupPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const friends = usePaged(
    (c) => social.friends(c, 100),
    (f) => f.userId,
    [],
  );
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [errors, setErrors] = useState<{ name?: string; members?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  const toggle = (userId: string) =>
    setChosen((set) => {
      const next = new Set(set);
      if (next.has(userId)) next.delete(userId);
      else next.add(userId);
      return next;
    });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: typeof errors = {};
    if (!name.trim()) found.name = t('groups.errors.name');
    if (chosen.size === 0) found.members = t('groups.errors.members');
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const group = await social.createGroup({ name: name.trim(), memberIds: [...chosen] });
      toast(t('groups.created', { name: group.name }), 'success');
      // Back to where the group was needed (the red-envelope form), or to its home.
      const next = params.get('next');
      navigate(
        next === 'red-packet'
          ? `/red-packets/new?${new URLSearchParams({ group: group.id, name: group.name })}`
          : `/groups/${group.id}`,
        { replace: true },
      );
    } catch (err) {
      setErrors({ form: errorMessage(t, err) });
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('groups.create')} back />
      <form className="card form-card" onSubmit={submit} noValidate>
        <Field label={t('groups.name')} error={errors.name}>
          {(p) => (
            <input
              {...p}
              name="name"
              maxLength={50}
              placeholder={t('groups.namePlaceholder')}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <fieldset className="field">
          <legend>{t('groups.choose', { count: chosen.size })}</legend>
          {friends.loading ? (
            <Loading />
          ) : friends.items.length === 0 ? (
            <p className="muted small">
              {t('groups.noFriends')} <Link to="/friends/add">{t('friends.add')}</Link>
            </p>
          ) : (
            <ul className="people-list pick-list">
              {friends.items.map((f) => (
                <li key={f.userId}>
                  <label className="person-row pick-row">
                    <input
                      type="checkbox"
                      checked={chosen.has(f.userId)}
                      onChange={() => toggle(f.userId)}
                    />
                    <Avatar name={f.nickname} id={f.userId} size="small" />
                    <span className="person-name">{f.nickname}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <LoadMore
            hasMore={friends.hasMore}
            loading={friends.loadingMore}
            onMore={friends.loadMore}
            count={0}
          />
          {errors.members && <ErrorText>{errors.members}</ErrorText>}
        </fieldset>
        {errors.form && <ErrorText>{errors.form}</ErrorText>}
        <SubmitButton busy={busy}>{t('groups.createSubmit')}</SubmitButton>
      </form>
    </div>
  );
}
