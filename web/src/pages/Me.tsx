import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useAuth, useMe } from '../auth.tsx';
import {
  ChevronIcon,
  DevicesIcon,
  GlobeIcon,
  ListIcon,
  LockIcon,
  QrIcon,
  ShieldIcon,
} from '../components/icons.tsx';
import { FamilyIcon, IouIcon } from '../components/money-ui.tsx';
import { GroupIcon } from '../components/social-icons.tsx';
import { ConfirmSheet } from '../components/ui.tsx';
import { currentLanguage, setLanguage } from '../i18n/index.ts';
import { NotificationBell } from './Wallet.tsx';

export function MePage() {
  const { t } = useTranslation();
  const me = useMe();
  const { signOut } = useAuth();
  const navigate = useNavigate();
  const [confirm, setConfirm] = useState(false);
  const lang = currentLanguage();

  return (
    <div className="page me-page">
      <header className="home-header">
        <h1 className="tab-title">{t('tabs.me')}</h1>
        <NotificationBell />
      </header>
      <section className="card profile">
        <span className="avatar avatar-large" aria-hidden="true">
          {me.nickname.slice(0, 1)}
        </span>
        <div className="profile-text">
          <p className="profile-name">{me.nickname}</p>
          <p className="muted small">{me.phone}</p>
        </div>
        <span className={`chip ${me.verified ? 'chip-completed' : 'chip-pending'}`}>
          {me.verified ? t('me.verified') : t('me.unverified')}
        </span>
      </section>

      <nav className="card menu" aria-label={t('me.moneyWithOthers')}>
        <Link to="/groups" className="menu-item">
          <GroupIcon />
          <span className="menu-label">{t('groups.title')}</span>
          <span className="menu-value">{t('me.groupsHint')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/family" className="menu-item">
          <FamilyIcon />
          <span className="menu-label">{t('family.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/ious" className="menu-item">
          <IouIcon />
          <span className="menu-label">{t('iou.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/circles" className="menu-item">
          <GroupIcon />
          <span className="menu-label">{t('circles.title')}</span>
          <span className="menu-value">{t('circles.menuHint')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/me/credit" className="menu-item">
          <ShieldIcon />
          <span className="menu-label">{t('credit.menu')}</span>
          <ChevronIcon size={18} />
        </Link>
      </nav>
      {me.role === 'admin' && (
        <nav className="card menu" aria-label={t('admin.title')}>
          <Link to="/admin" className="menu-item">
            <ShieldIcon />
            <span className="menu-label">{t('admin.title')}</span>
            <ChevronIcon size={18} />
          </Link>
        </nav>
      )}

      <nav className="card menu" aria-label={t('fun.menu')}>
        {(['campaigns', 'energy', 'farm', 'discover'] as const).map((key) => (
          <Link key={key} to={`/${key}`} className="menu-item">
            <span className="menu-label">{t(`fun.${key}`)}</span>
            <ChevronIcon size={18} />
          </Link>
        ))}
      </nav>

      <nav className="card menu" aria-label={t('me.settings')}>
        {me.phoneVerified ? (
          <div className="menu-item menu-item-static">
            <ShieldIcon />
            <span className="menu-label">{t('phone.title')}</span>
            <span className="menu-value">{t('phone.verified')}</span>
          </div>
        ) : (
          <Link to="/me/phone" className="menu-item">
            <ShieldIcon />
            <span className="menu-label">{t('phone.title')}</span>
            <span className="menu-value">{t('phone.unverified')}</span>
            <ChevronIcon size={18} />
          </Link>
        )}
        <Link to="/me/verify" className="menu-item">
          <ShieldIcon />
          <span className="menu-label">{t('verify.title')}</span>
          <span className="menu-value">{me.verified ? t('me.verified') : t('me.unverified')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/me/pin" className="menu-item">
          <LockIcon />
          <span className="menu-label">{t('me.pin')}</span>
          <span className="menu-value">{me.hasPin ? t('me.pinChange') : t('me.pinNotSet')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/me/passkeys" className="menu-item">
          <LockIcon />
          <span className="menu-label">{t('passkeys.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        {me.role === 'admin' && (
          <Link to="/admin/risk" className="menu-item">
            <ShieldIcon />
            <span className="menu-label">{t('adminRisk.menu')}</span>
            <ChevronIcon size={18} />
          </Link>
        )}
        <Link to="/me/devices" className="menu-item">
          <DevicesIcon />
          <span className="menu-label">{t('devices.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/receive" className="menu-item">
          <QrIcon />
          <span className="menu-label">{t('receive.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        <Link to="/statements" className="menu-item">
          <ListIcon />
          <span className="menu-label">{t('statement.title')}</span>
          <ChevronIcon size={18} />
        </Link>
        <fieldset className="menu-item menu-item-static">
          <GlobeIcon />
          <legend className="visually-hidden">{t('language.label')}</legend>
          <span className="menu-label" aria-hidden="true">
            {t('language.label')}
          </span>
          <div className="segmented segmented-small">
            {(['zh-CN', 'en'] as const).map((l) => (
              <label key={l} className={`segment${lang === l ? ' segment-on' : ''}`} lang={l}>
                <input
                  type="radio"
                  name="language"
                  value={l}
                  checked={lang === l}
                  onChange={() => setLanguage(l)}
                />
                <span>{l === 'zh-CN' ? '中文' : 'English'}</span>
              </label>
            ))}
          </div>
        </fieldset>
      </nav>

      <button
        type="button"
        className="button button-secondary button-block"
        onClick={() => setConfirm(true)}
      >
        {t('me.logout')}
      </button>
      <p className="muted small center app-version">{t('me.about')}</p>
      <ConfirmSheet
        open={confirm}
        title={t('me.logoutTitle')}
        confirmLabel={t('me.logout')}
        onConfirm={() => {
          void signOut().finally(() => navigate('/login', { replace: true }));
        }}
        onClose={() => setConfirm(false)}
      />
    </div>
  );
}
