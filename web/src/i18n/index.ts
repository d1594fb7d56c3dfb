import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import campaignsEn from './campaigns.en.json';
import campaignsZhCN from './campaigns.zh-CN.json';
import en from './en.json';
import zhCN from './zh-CN.json';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'hebao.lang';

function saved(): Language {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    if (value && (LANGUAGES as readonly string[]).includes(value)) return value as Language;
  } catch {
    // Storage can be unavailable (private mode, blocked cookies): the default is fine.
  }
  return 'zh-CN';
}

function apply(lng: string) {
  document.documentElement.lang = lng;
  document.title = i18n.t('app.documentTitle');
}

void i18n.use(initReactI18next).init({
  resources: {
    'zh-CN': { translation: { ...zhCN, ...campaignsZhCN } },
    en: { translation: { ...en, ...campaignsEn } },
  },
  lng: saved(),
  fallbackLng: 'zh-CN',
  supportedLngs: [...LANGUAGES],
  // React escapes everything it renders; escaping here too would double-escape.
  interpolation: { escapeValue: false },
  returnNull: false,
});
apply(i18n.language);

i18n.on('languageChanged', (lng) => {
  apply(lng);
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // Not persisted: the choice still holds for this page.
  }
});

export function currentLanguage(): Language {
  return (LANGUAGES as readonly string[]).includes(i18n.language)
    ? (i18n.language as Language)
    : 'zh-CN';
}

export function setLanguage(lng: Language): void {
  void i18n.changeLanguage(lng);
}

export default i18n;
