import type { TFunction } from 'i18next';
import { ApiError, type ErrorCode } from './api.ts';
import { type AmountError, formatMoney } from './money.ts';

/**
 * The message for an error, in the user's language, from its stable `code` (never the server's
 * English `detail`). `overrides` lets a screen say something more precise for one code, e.g.
 * `not_found` on the transfer form means "nobody has this phone number".
 */
export function errorMessage(
  t: TFunction,
  error: unknown,
  overrides: Partial<Record<ErrorCode, string>> = {},
): string {
  if (!(error instanceof ApiError)) return t('errors.unknown');
  const override = overrides[error.code];
  if (override) return t(override);
  const p = error.problem;
  switch (error.code) {
    case 'validation_error': {
      const field = error.field;
      if ((field === 'password' || field === 'newPassword') && typeof p.reason === 'string') {
        return t(`errors.password.${p.reason}`, { defaultValue: t('errors.fields.password') });
      }
      if (field === 'idNumber' && typeof p.reason === 'string') {
        return t(`errors.idNumber.${p.reason}`, { defaultValue: t('errors.fields.idNumber') });
      }
      // An uploaded photo or video the server refused: too large, HEIC, not a picture…
      if (field === 'body' && typeof p.reason === 'string') {
        const max = typeof p.maxBytes === 'number' ? Math.round(p.maxBytes / 1048576) : undefined;
        return t(`errors.media.${p.reason}`, { defaultValue: t('errors.media.default'), max });
      }
      if (field) return t(`errors.fields.${field}`, { defaultValue: t('errors.validation_error') });
      return t('errors.validation_error');
    }
    case 'pin_invalid':
      return typeof p.triesLeft === 'number'
        ? t('errors.pin_invalid_tries', { count: p.triesLeft })
        : t('errors.pin_invalid');
    case 'pin_locked':
      return typeof p.lockedUntil === 'string'
        ? t('errors.pin_locked_until', { time: formatTime(p.lockedUntil) })
        : t('errors.pin_locked');
    case 'limit_exceeded':
      // An IOU over the borrower's credit band's limit, or asked for while one is overdue.
      if (p.limit === 'iou_overdue') return t('errors.limits.iou_overdue');
      if (p.limit === 'iou_credit' && typeof p.maxAmount === 'number') {
        const lang = document.documentElement.lang || 'zh-CN';
        return t('errors.limits.iou_credit', {
          amount: formatMoney(p.maxAmount, 'CNY', lang),
          band: t(`credit.band.${String(p.band)}`),
        });
      }
      return t('errors.limit_exceeded');
    case 'conflict':
      // A conflict that says why (a collection share already paid…) has its own message.
      return typeof p.reason === 'string'
        ? t(`errors.conflictReasons.${p.reason}`, { defaultValue: t('errors.conflict') })
        : t('errors.conflict');
    default:
      return t(`errors.${error.code}`, { defaultValue: t('errors.unknown') });
  }
}

export function amountErrorMessage(t: TFunction, error: AmountError): string {
  return t(`amount.errors.${error}`);
}

function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(document.documentElement.lang || 'zh-CN', {
    hour: '2-digit',
    minute: '2-digit',
    month: 'short',
    day: 'numeric',
  }).format(new Date(iso));
}
