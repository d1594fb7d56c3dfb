import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useMe } from '../auth.tsx';
import { isManager, RoleChip, useGroup } from '../components/group-shared.tsx';
import { EnvelopeIcon, PlusIcon } from '../components/icons.tsx';
import { CollectIcon, FundIcon, ReceiptIcon } from '../components/money-ui.tsx';
import { formatDate } from '../components/social-format.ts';
import { GroupIcon } from '../components/social-icons.tsx';
import { Avatar } from '../components/social-ui.tsx';
import { ConfirmSheet, ErrorText, Loading, PageHeader, Sheet } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useAsync } from '../hooks.ts';
import { useToast } from '../toast.tsx';
import { CollectionsTab } from './Collections.tsx';
import { ExpensesTab } from './Expenses.tsx';
import { FundTab } from './GroupFund.tsx';
import { groupApi } from './money-api.ts';
import { type Group, type GroupRole, social } from './social-api.ts';

const TABS = ['members', 'fund', 'collections', 'expenses'] as const;
type Tab = (typeof TABS)[number];

const TAB_ICONS = {
  members: GroupIcon,
  fund: FundIcon,
  collections: CollectIcon,
  expenses: ReceiptIcon,
} as const;

/**
 * A group's home: who is in it, and its money (fund, collections, shared expenses) in tabs
 * whose choice is kept in the address (`?tab=`), so back and reload return to the same tab.
 */
export function GroupHomePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const group = useGroup(id);
  const requested = params.get('tab');
  const tab: Tab = (TABS as readonly string[]).includes(requested ?? '')
    ? (requested as Tab)
    : 'fund';
  const g = group.data;

  return (
    <div className="page group-page">
      <PageHeader title={g?.name ?? t('groups.title')} back="/groups" />
      {group.error ? (
        <ErrorText>{errorMessage(t, group.error, { not_found: 'groupHome.notFound' })}</ErrorText>
      ) : !g ? (
        <Loading />
      ) : (
        <>
          <section className="card group-hero" aria-label={g.name}>
            <span className="group-avatar group-avatar-large" aria-hidden="true">
              <GroupIcon size={28} />
            </span>
            <div className="group-hero-text">
              <p className="group-hero-name">{g.name}</p>
              <p className="muted small">
                {t('groups.members', { count: g.members.length })}
                {group.myRole ? <> · {t(`groups.role.${group.myRole}`)}</> : null}
              </p>
            </div>
            <Link
              to={`/red-packets/new?${new URLSearchParams({ group: g.id, name: g.name })}`}
              className="button button-small button-red"
            >
              <EnvelopeIcon size={18} /> {t('groups.sendRedPacket')}
            </Link>
            <Link to={`/chats/${g.id}`} className="button button-small button-secondary">
              {t('chat.groupChat')}
            </Link>
          </section>
          <nav className="group-tabs" aria-label={t('groupHome.sections')}>
            {TABS.map((key) => {
              const Icon = TAB_ICONS[key];
              return (
                <Link
                  key={key}
                  to={`/groups/${g.id}?tab=${key}`}
                  replace
                  className="group-tab"
                  aria-current={tab === key ? 'page' : undefined}
                >
                  <Icon size={20} />
                  <span>{t(`groupHome.tab.${key}`)}</span>
                </Link>
              );
            })}
          </nav>
          {tab === 'members' && (
            <MembersTab group={g} myRole={group.myRole} onChanged={group.reload} />
          )}
          {tab === 'fund' && <FundTab group={g} myRole={group.myRole} />}
          {tab === 'collections' && <CollectionsTab group={g} />}
          {tab === 'expenses' && <ExpensesTab group={g} />}
        </>
      )}
    </div>
  );
}

type MemberAction =
  | { kind: 'role'; userId: string; nickname: string; role: GroupRole }
  | { kind: 'remove'; userId: string; nickname: string }
  | { kind: 'leave' };

/** Members and their roles; the owner appoints treasurers, managers add and remove people. */
function MembersTab({
  group,
  myRole,
  onChanged,
}: {
  group: Group;
  myRole: GroupRole | undefined;
  onChanged: () => void;
}) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const toast = useToast();
  const navigate = useNavigate();
  const [manage, setManage] = useState<Group['members'][number] | null>(null);
  const [confirm, setConfirm] = useState<MemberAction | null>(null);
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const manageTitle = useId();
  const owner = myRole === 'owner';

  const canManage = (target: Group['members'][number]) =>
    target.userId !== me.id && (owner || (myRole === 'treasurer' && target.role === 'member'));

  const run = async (action: MemberAction) => {
    setBusy(true);
    setError(undefined);
    try {
      if (action.kind === 'role') {
        await groupApi.changeRole(group.id, action.userId, action.role);
        toast(
          t('members.roleChanged', {
            name: action.nickname,
            role: t(`groups.role.${action.role}`),
          }),
          'success',
        );
        onChanged();
      } else if (action.kind === 'remove') {
        await groupApi.removeMember(group.id, action.userId);
        toast(t('members.removed', { name: action.nickname }), 'success');
        onChanged();
      } else {
        await groupApi.removeMember(group.id, me.id);
        toast(t('members.left', { name: group.name }), 'success');
        navigate('/groups', { replace: true });
        return;
      }
    } catch (err) {
      setError(errorMessage(t, err, { conflict: 'members.errors.ownerStays' }));
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };

  /** Role changes that need no second thought run at once; the rest ask first. */
  const choose = (action: MemberAction) => {
    setManage(null);
    if (action.kind === 'role' && action.role !== 'owner') void run(action);
    else setConfirm(action);
  };

  const confirmText = (() => {
    if (!confirm) return { title: '', body: '', label: '' };
    if (confirm.kind === 'leave') {
      return {
        title: t('members.leaveTitle', { name: group.name }),
        body: t('members.leaveBody'),
        label: t('members.leave'),
      };
    }
    if (confirm.kind === 'remove') {
      return {
        title: t('members.removeTitle', { name: confirm.nickname }),
        body: t('members.removeBody'),
        label: t('members.remove'),
      };
    }
    return {
      title: t('members.makeOwnerTitle', { name: confirm.nickname }),
      body: t('members.makeOwnerBody'),
      label: t('members.makeOwner'),
    };
  })();

  return (
    <>
      <section className="card" aria-labelledby="members-title">
        <div className="card-head">
          <h2 id="members-title" className="card-title">
            {t('members.title', { count: group.members.length })}
          </h2>
          {isManager(myRole) && (
            <button
              type="button"
              className="text-link button-reset"
              onClick={() => setAdding(true)}
            >
              <PlusIcon size={16} /> {t('members.add')}
            </button>
          )}
        </div>
        {error && <ErrorText>{error}</ErrorText>}
        <ul className="people-list" data-testid="members">
          {group.members.map((m) => (
            <li key={m.userId} className="person-row">
              <Avatar name={m.nickname} id={m.userId} />
              <span className="person-main">
                <span className="person-name">
                  {m.nickname}
                  {m.userId === me.id ? ` (${t('feed.you')})` : ''}
                </span>
                <span className="person-time">
                  {t('members.joined', { date: formatDate(i18n.language, m.joinedAt) })}
                </span>
              </span>
              <RoleChip role={m.role} />
              {canManage(m) && (
                <button
                  type="button"
                  className="button button-secondary button-small"
                  onClick={() => setManage(m)}
                  aria-label={t('members.manageNamed', { name: m.nickname })}
                  disabled={busy}
                >
                  {t('members.manage')}
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
      {owner ? (
        <p className="muted small center">{t('members.ownerCannotLeave')}</p>
      ) : (
        <button
          type="button"
          className="button button-danger-outline button-block"
          onClick={() => setConfirm({ kind: 'leave' })}
          disabled={busy}
        >
          {t('members.leave')}
        </button>
      )}

      <Sheet open={manage !== null} onClose={() => setManage(null)} labelledBy={manageTitle}>
        {manage && (
          <div className="sheet-body">
            <h2 id={manageTitle} className="sheet-title">
              {manage.nickname} · {t(`groups.role.${manage.role}`)}
            </h2>
            <div className="sheet-actions">
              {owner && manage.role !== 'treasurer' && (
                <button
                  type="button"
                  className="button button-secondary button-block"
                  data-autofocus
                  onClick={() =>
                    choose({
                      kind: 'role',
                      userId: manage.userId,
                      nickname: manage.nickname,
                      role: 'treasurer',
                    })
                  }
                >
                  {t('members.makeTreasurer')}
                </button>
              )}
              {owner && manage.role === 'treasurer' && (
                <button
                  type="button"
                  className="button button-secondary button-block"
                  data-autofocus
                  onClick={() =>
                    choose({
                      kind: 'role',
                      userId: manage.userId,
                      nickname: manage.nickname,
                      role: 'member',
                    })
                  }
                >
                  {t('members.makeMember')}
                </button>
              )}
              {owner && (
                <button
                  type="button"
                  className="button button-secondary button-block"
                  onClick={() =>
                    choose({
                      kind: 'role',
                      userId: manage.userId,
                      nickname: manage.nickname,
                      role: 'owner',
                    })
                  }
                >
                  {t('members.makeOwner')}
                </button>
              )}
              <button
                type="button"
                className="button button-danger-outline button-block"
                onClick={() =>
                  choose({ kind: 'remove', userId: manage.userId, nickname: manage.nickname })
                }
              >
                {t('members.remove')}
              </button>
              <button
                type="button"
                className="button button-block link-button"
                onClick={() => setManage(null)}
              >
                {t('common.cancel')}
              </button>
            </div>
          </div>
        )}
      </Sheet>
      <ConfirmSheet
        open={confirm !== null}
        title={confirmText.title}
        body={confirmText.body}
        confirmLabel={confirmText.label}
        danger={confirm?.kind !== 'role'}
        busy={busy}
        onConfirm={() => confirm && void run(confirm)}
        onClose={() => setConfirm(null)}
      />
      <AddMemberSheet
        open={adding}
        group={group}
        onClose={() => setAdding(false)}
        onAdded={onChanged}
      />
    </>
  );
}

/** Friends who are not in the group yet, each with an Add button. */
function AddMemberSheet({
  open,
  group,
  onClose,
  onAdded,
}: {
  open: boolean;
  group: Group;
  onClose: () => void;
  onAdded: () => void;
}) {
  const { t } = useTranslation();
  const toast = useToast();
  const id = useId();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const friends = useAsync(
    async () => (open ? (await social.friends(undefined, 100)).items : []),
    [open],
  );
  const inGroup = new Set(group.members.map((m) => m.userId));
  const candidates = (friends.data ?? []).filter((f) => !inGroup.has(f.userId));

  const add = async (userId: string, nickname: string) => {
    setBusy(userId);
    setError(undefined);
    try {
      await groupApi.addMember(group.id, userId);
      toast(t('members.added', { name: nickname }), 'success');
      onAdded();
    } catch (err) {
      setError(errorMessage(t, err, { conflict: 'members.errors.already' }));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Sheet open={open} onClose={onClose} labelledBy={id}>
      <div className="sheet-body">
        <h2 id={id} className="sheet-title">
          {t('members.add')}
        </h2>
        {error && <ErrorText>{error}</ErrorText>}
        {friends.loading ? (
          <Loading />
        ) : friends.error ? (
          <ErrorText>{errorMessage(t, friends.error)}</ErrorText>
        ) : candidates.length === 0 ? (
          <p className="muted center">{t('members.noneToAdd')}</p>
        ) : (
          <ul className="people-list sheet-list">
            {candidates.map((f) => (
              <li key={f.userId} className="person-row">
                <Avatar name={f.nickname} id={f.userId} size="small" />
                <span className="person-main">
                  <span className="person-name">{f.nickname}</span>
                </span>
                <button
                  type="button"
                  className="button button-secondary button-small"
                  onClick={() => void add(f.userId, f.nickname)}
                  disabled={busy !== undefined}
                  aria-label={t('members.addNamed', { name: f.nickname })}
                >
                  {busy === f.userId ? t('common.processing') : t('members.addShort')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <button
          type="button"
          className="button button-secondary button-block"
          onClick={onClose}
          data-autofocus
        >
          {t('common.done')}
        </button>
      </div>
    </Sheet>
  );
}
