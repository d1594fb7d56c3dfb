import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useMe } from '../auth.tsx';
import { BackIcon, ChevronIcon, InboxIcon, ShieldIcon } from './icons.tsx';

/** The bar at the top of a screen: a back button (unless it is a tab's root), title, extras. */
export function PageHeader({
  title,
  back,
  right,
}: {
  title: string;
  /** Where "back" goes; `true` = browser history (or home). */
  back?: string | true;
  right?: ReactNode;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <header className="page-header">
      {back ? (
        <button
          type="button"
          className="icon-button"
          aria-label={t('common.back')}
          onClick={() => {
            if (back === true) {
              if (window.history.length > 1 && window.history.state?.idx > 0) navigate(-1);
              else navigate('/');
            } else navigate(back);
          }}
        >
          <BackIcon />
        </button>
      ) : (
        <span className="icon-button-spacer" />
      )}
      <h1>{title}</h1>
      <div className="page-header-right">{right ?? <span className="icon-button-spacer" />}</div>
    </header>
  );
}

export function EmptyState({
  title,
  hint,
  icon,
  children,
}: {
  title: string;
  hint?: string;
  icon?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="empty">
      <div className="empty-icon">{icon ?? <InboxIcon size={36} />}</div>
      <p className="empty-title">{title}</p>
      {hint && <p className="empty-hint">{hint}</p>}
      {children}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

/** An error message that screen readers announce as soon as it appears. */
export function ErrorText({ children, id }: { children?: ReactNode; id?: string }) {
  return (
    <p className="error-text" role="alert" id={id}>
      {children}
    </p>
  );
}

export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string;
  error?: string | undefined;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        'aria-invalid': Boolean(error),
        'aria-describedby': describedBy || undefined,
      })}
      {hint && !error && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && <ErrorText id={`${id}-error`}>{error}</ErrorText>}
    </div>
  );
}

/** A big amount input with the currency symbol in front; the text is parsed by the caller. */
export function AmountInput({
  label,
  value,
  onChange,
  error,
  hint,
  autoFocus,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  autoFocus?: boolean;
}) {
  const id = useId();
  return (
    <div className={`field amount-field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <div className="amount-input">
        <span className="amount-symbol" aria-hidden="true">
          ¥
        </span>
        <input
          id={id}
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          placeholder="0.00"
          value={value}
          // biome-ignore lint/a11y/noAutofocus: the amount is the one thing this screen asks for
          autoFocus={autoFocus}
          aria-invalid={Boolean(error)}
          aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      </div>
      {hint && !error && (
        <div className="field-hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && <ErrorText id={`${id}-error`}>{error}</ErrorText>}
    </div>
  );
}

/** A modal sheet sliding from the bottom; Escape and the backdrop close it, focus stays inside. */
export function Sheet({
  open,
  onClose,
  labelledBy,
  children,
  className,
}: {
  open: boolean;
  onClose: () => void;
  labelledBy: string;
  children: ReactNode;
  className?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const restore = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (!open) return;
    restore.current = document.activeElement as HTMLElement | null;
    const el = ref.current;
    const first = el?.querySelector<HTMLElement>('[data-autofocus]') ?? el;
    first?.focus();
    return () => restore.current?.focus?.();
  }, [open]);
  if (!open) return null;
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
    if (e.key === 'Tab' && ref.current) {
      const items = [
        ...ref.current.querySelectorAll<HTMLElement>(
          'button:not([disabled]), [href], input, [tabindex="0"]',
        ),
      ];
      if (items.length === 0) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut; Escape and the close button do the same
    <div className="sheet-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className={`sheet ${className ?? ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={labelledBy}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        {children}
      </div>
    </div>
  );
}

export function ConfirmSheet({
  open,
  title,
  body,
  confirmLabel,
  danger,
  busy,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  body?: string;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <Sheet open={open} onClose={onClose} labelledBy={id}>
      <div className="sheet-body">
        <h2 id={id} className="sheet-title">
          {title}
        </h2>
        {body && <p className="sheet-text">{body}</p>}
        <div className="button-row">
          <button
            type="button"
            className="button button-secondary"
            onClick={onClose}
            data-autofocus
          >
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className={`button ${danger ? 'button-danger' : 'button-primary'}`}
            onClick={onConfirm}
            disabled={busy}
          >
            {confirmLabel}
          </button>
        </div>
      </div>
    </Sheet>
  );
}

/** The "verify your identity" notice of money screens, linking to /me/verify; nothing once verified. */
export function VerifyNotice({ children, chevron }: { children: ReactNode; chevron?: boolean }) {
  const { t } = useTranslation();
  const me = useMe();
  if (me.verified) return null;
  return (
    <Link to="/me/verify" className="notice notice-warn">
      <ShieldIcon />
      <span className="notice-text">
        <strong>{t('wallet.verifyTitle')}</strong>
        <span>{children}</span>
      </span>
      {chevron && <ChevronIcon size={18} />}
    </Link>
  );
}

/** A form's full-width submit button: disabled and saying "Processing…" (or `busyLabel`) while busy. */
export function SubmitButton({
  busy,
  busyLabel,
  red,
  children,
}: {
  busy: boolean;
  busyLabel?: string;
  /** The red-envelope colour instead of the primary one. */
  red?: boolean;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <button
      type="submit"
      className={`button ${red ? 'button-red' : 'button-primary'} button-block`}
      disabled={busy}
    >
      {busy ? (busyLabel ?? t('common.processing')) : children}
    </button>
  );
}

/** A round icon-only link (a page header's "add"): `label` is its accessible name and tooltip. */
export function IconLink({
  to,
  label,
  children,
}: {
  to: string;
  label: string;
  children: ReactNode;
}) {
  return (
    <Link to={to} className="icon-button" aria-label={label} title={label}>
      {children}
    </Link>
  );
}

/** A round icon-only button (refresh, delete): `label` is its accessible name and tooltip. */
export function IconButton({
  onClick,
  label,
  children,
}: {
  onClick: () => void;
  label: string;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="icon-button"
      onClick={onClick}
      aria-label={label}
      title={label}
    >
      {children}
    </button>
  );
}
