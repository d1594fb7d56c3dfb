import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { onBanned } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { ShieldIcon } from './icons.tsx';

/**
 * The banned state: once any request answers 403 `banned` (the ban ended this session), the app
 * shows why instead of half-working screens, and offers only to leave.
 */
export function BannedGate({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { setMe } = useAuth();
  const navigate = useNavigate();
  const [banned, setBanned] = useState(false);
  useEffect(() => onBanned(() => setBanned(true)), []);
  if (!banned) return <>{children}</>;
  return (
    <div className="page banned-page" role="alert">
      <ShieldIcon size={48} />
      <h1>{t('banned.title')}</h1>
      <p className="banned-text">{t('banned.body')}</p>
      <button
        type="button"
        className="button button-secondary"
        onClick={() => {
          setBanned(false);
          setMe(null);
          navigate('/login', { replace: true });
        }}
      >
        {t('banned.leave')}
      </button>
    </div>
  );
}
