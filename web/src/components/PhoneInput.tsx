import type { InputHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';

/** What the user typed, without the spaces and dashes people put in phone numbers. */
export function compactPhone(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

/** A mainland mobile number, or any number in international (+…) form. */
export function validPhone(raw: string): boolean {
  const s = compactPhone(raw);
  return /^1[3-9]\d{9}$/.test(s) || /^\+[1-9]\d{6,14}$/.test(s);
}

type FieldProps = {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
};

/** The phone number input every form uses (inside a `Field`, which passes `field`). */
export function PhoneInput({
  field,
  value,
  onValue,
  autoComplete = 'off',
}: {
  field: FieldProps;
  value: string;
  onValue: (value: string) => void;
  autoComplete?: InputHTMLAttributes<HTMLInputElement>['autoComplete'];
}) {
  const { t } = useTranslation();
  return (
    <input
      {...field}
      name="phone"
      type="tel"
      inputMode="tel"
      autoComplete={autoComplete}
      placeholder={t('auth.phonePlaceholder')}
      value={value}
      onChange={(e) => onValue(e.target.value)}
    />
  );
}
