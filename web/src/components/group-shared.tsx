/** What the group screens share: the group itself, names, roles and a member checklist. */
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../auth.tsx';
import { useAsync } from '../hooks.ts';
import { type Group, type GroupRole, social } from '../pages/social-api.ts';
import { Avatar } from './social-ui.tsx';

export const isManager = (role: GroupRole | undefined) => role === 'owner' || role === 'treasurer';

/** The group and my role in it; `reload()` after a change. */
export function useGroup(id: string | undefined) {
  const me = useMe();
  const group = useAsync(
    () => (id ? social.group(id) : Promise.reject(new Error('no group'))),
    [id],
  );
  const myRole = group.data?.members.find((m) => m.userId === me.id)?.role;
  return { ...group, myRole };
}

/** A member's name as the group screens show it: "我" / "You" for oneself. */
export function memberName(
  t: TFunction,
  group: Group | undefined,
  userId: string,
  meId: string,
  fallback?: string,
): string {
  if (userId === meId) return t('feed.you');
  return (
    group?.members.find((m) => m.userId === userId)?.nickname ?? fallback ?? t('groupHome.former')
  );
}

export function RoleChip({ role }: { role: GroupRole }) {
  const { t } = useTranslation();
  return <span className={`chip role-chip role-${role}`}>{t(`groups.role.${role}`)}</span>;
}

/**
 * Members to include, each with a checkbox; `extra` renders beside each checked row (a value
 * input, a preview). Every checkbox is named by the member for screen readers.
 */
export function MemberChecklist({
  members,
  chosen,
  onToggle,
  extra,
  legend,
  error,
}: {
  members: { userId: string; nickname: string }[];
  chosen: ReadonlySet<string>;
  onToggle: (userId: string) => void;
  extra?: (userId: string) => ReactNode;
  legend: string;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  const me = useMe();
  return (
    <fieldset className="field">
      <legend>{legend}</legend>
      <ul className="people-list pick-list">
        {members.map((m) => (
          <li key={m.userId} className="member-pick">
            <label className="person-row pick-row">
              <input
                type="checkbox"
                checked={chosen.has(m.userId)}
                onChange={() => onToggle(m.userId)}
              />
              <Avatar name={m.nickname} id={m.userId} size="small" />
              <span className="person-name">
                {m.nickname}
                {m.userId === me.id ? ` (${t('feed.you')})` : ''}
              </span>
            </label>
            {extra && chosen.has(m.userId) ? (
              <div className="member-pick-extra">{extra(m.userId)}</div>
            ) : null}
          </li>
        ))}
      </ul>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
