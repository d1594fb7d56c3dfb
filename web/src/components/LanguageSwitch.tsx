import { useTranslation } from 'react-i18next';
import { currentLanguage, setLanguage } from '../i18n/index.ts';
import { GlobeIcon } from './icons.tsx';

/** Switches between 中文 and English; the choice is remembered on this device. */
export function LanguageSwitch({ className }: { className?: string }) {
  const { t } = useTranslation();
  const next = currentLanguage() === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <button
      type="button"
      className={`lang-switch ${className ?? ''}`}
      onClick={() => setLanguage(next)}
      lang={next}
      aria-label={t('language.switchTo')}
    >
      <GlobeIcon size={18} />
      <span>{next === 'en' ? 'English' : '中文'}</span>
    </button>
  );
}
