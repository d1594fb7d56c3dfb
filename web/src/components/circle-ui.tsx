import type { TFunction } from 'i18next';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../errors.ts';
import {
  type Condition,
  REPORT_REASONS,
  type ReportReason,
  type ReportTargetType,
  type Rules,
  reports,
  type Scalar,
  type Unmet,
} from '../pages/circles-api.ts';
import { useToast } from '../toast.tsx';
import { ErrorText, Sheet } from './ui.tsx';

function valueText(t: TFunction, c: Condition, v: Scalar): string {
  if (c.attribute === 'gender') return t(`circles.gender.${String(v)}`);
  return String(v);
}

/** A condition in words: "年满 18 岁", "Verified students". */
export function conditionText(t: TFunction, c: Condition): string {
  if (typeof c.value === 'boolean') return t(`circles.cond.${c.attribute}.${String(c.value)}`);
  const value = Array.isArray(c.value)
    ? c.value.map((v) => valueText(t, c, v)).join(t('common.listSeparator'))
    : valueText(t, c, c.value);
  return t(`circles.cond.${c.attribute}.${c.op}`, { value });
}

/** Why a condition is not met, in the caller's own terms. */
export function unmetText(t: TFunction, u: Unmet): string {
  if (u.reason === 'not_met') return t('circles.unmet.not_met', { condition: conditionText(t, u) });
  return t(`circles.unmet.${u.reason}`);
}

/** A circle's rules for one action: its conditions, or "everyone". */
export function RuleList({ rules, action }: { rules: Rules; action: 'view' | 'post' | 'comment' }) {
  const { t } = useTranslation();
  const list = rules[action] ?? [];
  return (
    <div className="rule-row">
      <span className="rule-action">{t(`circles.action.${action}`)}</span>
      {list.length === 0 ? (
        <span className="muted">{t('circles.everyone')}</span>
      ) : (
        <ul className="rule-conditions">
          {list.map((c, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
            <li key={i} className="chip">
              {conditionText(t, c)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * "Report" on any piece of user content: a sheet with the reasons and an optional detail.
 * Reporting twice is harmless (the server keeps the first report).
 */
export function ReportButton({
  target,
  label,
}: {
  target: { type: ReportTargetType; id: string };
  label?: string;
}) {
  const { t } = useTranslation();
  const toast = useToast();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<ReportReason | undefined>();
  const [detail, setDetail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason) {
      setError(t('report.chooseReason'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await reports.send({ target, reason, ...(detail.trim() ? { detail: detail.trim() } : {}) });
      setOpen(false);
      toast(t('report.sent'));
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="link-button report-button"
        onClick={() => {
          setReason(undefined);
          setDetail('');
          setError(undefined);
          setOpen(true);
        }}
      >
        {label ?? t('report.action')}
      </button>
      <Sheet open={open} onClose={() => setOpen(false)} labelledBy={id}>
        <form className="sheet-body" onSubmit={submit}>
          <h2 id={id} className="sheet-title">
            {t(`report.title.${target.type}`, { defaultValue: t('report.title.default') })}
          </h2>
          <fieldset className="report-reasons">
            <legend className="visually-hidden">{t('report.reason')}</legend>
            {REPORT_REASONS.map((r, i) => (
              <label key={r} className="radio-row">
                <input
                  type="radio"
                  name="reason"
                  value={r}
                  checked={reason === r}
                  onChange={() => setReason(r)}
                  {...(i === 0 ? { 'data-autofocus': true } : {})}
                />
                <span>{t(`report.reasons.${r}`)}</span>
              </label>
            ))}
          </fieldset>
          <label className="visually-hidden" htmlFor={`${id}-detail`}>
            {t('report.detail')}
          </label>
          <textarea
            id={`${id}-detail`}
            className="circle-input"
            rows={2}
            maxLength={500}
            placeholder={t('report.detail')}
            value={detail}
            onChange={(e) => setDetail(e.target.value)}
          />
          {error && <ErrorText>{error}</ErrorText>}
          <div className="button-row">
            <button
              type="button"
              className="button button-secondary"
              onClick={() => setOpen(false)}
            >
              {t('common.cancel')}
            </button>
            <button type="submit" className="button button-danger" disabled={busy}>
              {t('report.submit')}
            </button>
          </div>
        </form>
      </Sheet>
    </>
  );
}
