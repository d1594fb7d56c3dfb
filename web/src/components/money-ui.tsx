/** Pieces shared by the group money, family account and IOU screens. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAsync } from '../hooks.ts';
import { social } from '../pages/social-api.ts';
import { type IconProps as P, Svg } from './icons.tsx';
import { Field } from './ui.tsx';

/** A jar of coins: the group fund. */
export const FundIcon = (p: P) => (
  <Svg {...p}>
    <path d="M7 4.5h10M8 4.5v2.2c-2 1.3-3 3.3-3 5.8v4a3 3 0 0 0 3 3h8a3 3 0 0 0 3-3v-4c0-2.5-1-4.5-3-5.8V4.5" />
    <path d="M12 10.5v6M14 11.8c-.4-.8-1.2-1.3-2-1.3-1.1 0-2 .7-2 1.5s.9 1.3 2 1.5 2 .7 2 1.5-.9 1.5-2 1.5c-.8 0-1.6-.5-2-1.3" />
  </Svg>
);
/** A hand-held list with ticks: collecting money. */
export const CollectIcon = (p: P) => (
  <Svg {...p}>
    <rect x="5" y="3.5" width="14" height="17" rx="2.5" />
    <path d="M8.5 8.5l1.2 1.2 2.3-2.4M8.5 14l1.2 1.2 2.3-2.4M14 8.8h2M14 14.3h2" />
  </Svg>
);
/** A receipt: shared expenses. */
export const ReceiptIcon = (p: P) => (
  <Svg {...p}>
    <path d="M6 3.5h12v17l-2-1.3-2 1.3-2-1.3-2 1.3-2-1.3-2 1.3z" />
    <path d="M9 8h6M9 11.5h6M9 15h3.5" />
  </Svg>
);
/** A house with a heart: the family account. */
export const FamilyIcon = (p: P) => (
  <Svg {...p}>
    <path d="M3.5 11L12 4l8.5 7M5.5 9.5v10h13v-10" />
    <path d="M12 17s-3-1.8-3-3.8a1.6 1.6 0 0 1 3-.8 1.6 1.6 0 0 1 3 .8c0 2-3 3.8-3 3.8z" />
  </Svg>
);
/** A signed note: an IOU. */
export const IouIcon = (p: P) => (
  <Svg {...p}>
    <path d="M14 3.5H6.5a2 2 0 0 0-2 2v13a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V9z" />
    <path d="M14 3.5V9h5.5M8 13h8M8 16.5c1-1.2 1.8-1.2 2.5 0s1.5 1.2 2.5 0" />
  </Svg>
);
/** A pair of scales: balances and settling up. */
export const ScalesIcon = (p: P) => (
  <Svg {...p}>
    <path d="M12 4v16M7 20h10M5 7h14" />
    <path d="M5 7l-2.5 6a2.5 2.5 0 0 0 5 0zM19 7l-2.5 6a2.5 2.5 0 0 0 5 0z" />
  </Svg>
);
export const HistoryIcon = (p: P) => (
  <Svg {...p}>
    <path d="M4 12a8 8 0 1 0 2.4-5.7M4 4.5v3.8h3.8" />
    <path d="M12 8v4.5l3 1.8" />
  </Svg>
);

/**
 * How far along something is (paid of asked, spent of a limit), as a bar. `label` says it in
 * words for screen readers, since the numbers alone would be read without their meaning.
 */
export function ProgressBar({
  value,
  max,
  label,
  tone = 'primary',
}: {
  value: number;
  max: number;
  label: string;
  tone?: 'primary' | 'amber' | 'danger';
}) {
  const percent = max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0;
  return (
    <div
      className={`progress progress-${tone}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent)}
      aria-valuetext={label}
      aria-label={label}
    >
      <span className="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}

/** A row of big numbers with their names (balance, outstanding, remaining). */
export function Stats({ children }: { children: ReactNode }) {
  return <dl className="money-stats">{children}</dl>;
}

export function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="money-stat">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

/** The user's friends (first 100) for a picker: `data` is undefined while loading. */
export function useFriendOptions() {
  return useAsync(async () => (await social.friends(undefined, 100)).items, []);
}

/**
 * A `<select>` of the user's friends (from `useFriendOptions`): "Loading" until they are in,
 * a link to add one when there are none.
 */
export function FriendSelect({
  friends,
  label,
  name,
  value,
  error,
  onChange,
}: {
  friends: { data?: { userId: string; nickname: string }[] | undefined };
  label: string;
  name: string;
  value: string;
  error?: string | undefined;
  onChange: (userId: string) => void;
}) {
  const { t } = useTranslation();
  if (friends.data && friends.data.length === 0) {
    return (
      <p className="muted small">
        {t('groups.noFriends')} <Link to="/friends/add">{t('friends.add')}</Link>
      </p>
    );
  }
  return (
    <Field label={label} error={error}>
      {(p) => (
        <select
          {...p}
          name={name}
          value={value}
          disabled={!friends.data}
          onChange={(e) => onChange(e.target.value)}
        >
          <option value="">{friends.data ? t('sendRedPacket.choose') : t('common.loading')}</option>
          {friends.data?.map((x) => (
            <option key={x.userId} value={x.userId}>
              {x.nickname}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
