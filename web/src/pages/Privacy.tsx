import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Visibility } from '../api.ts';
import { ErrorText, Loading, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useAsync } from '../hooks.ts';
import { useToast } from '../toast.tsx';
import { type Privacy, social } from './social-api.ts';

const VISIBILITIES: Visibility[] = ['public', 'friends', 'private'];

/** Who can find me by phone number, and who sees my payments in the feed by default. */
export function PrivacyPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const legend = useId();
  const settings = useAsync(() => social.privacy(), []);
  const [saved, setSaved] = useState<Privacy | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const current = saved ?? settings.data;

  const save = async (patch: Partial<Privacy>) => {
    if (!current) return;
    const before = current;
    // The control moves at once; a refusal puts it back.
    setSaved({ ...current, ...patch });
    setBusy(true);
    setError(undefined);
    try {
      setSaved(await social.updatePrivacy(patch));
      toast(t('privacy.saved'), 'success');
    } catch (err) {
      setSaved(before);
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('privacy.title')} back />
      {settings.error ? (
        <ErrorText>{errorMessage(t, settings.error)}</ErrorText>
      ) : !current ? (
        <Loading />
      ) : (
        <div className="card form-card">
          <label className="check switch-row">
            <span>
              <span className="check-label">{t('privacy.findable')}</span>
              <span className="field-hint">{t('privacy.findableHint')}</span>
            </span>
            <input
              type="checkbox"
              role="switch"
              className="switch"
              aria-checked={current.findableByPhone}
              checked={current.findableByPhone}
              disabled={busy}
              onChange={(e) => void save({ findableByPhone: e.target.checked })}
            />
          </label>
          <fieldset className="field segmented-field" aria-describedby={`${legend}-hint`}>
            <legend>{t('privacy.paymentVisibility')}</legend>
            <div className="segmented">
              {VISIBILITIES.map((v) => (
                <label
                  key={v}
                  className={`segment${current.defaultPaymentVisibility === v ? ' segment-on' : ''}`}
                >
                  <input
                    type="radio"
                    name="defaultPaymentVisibility"
                    value={v}
                    checked={current.defaultPaymentVisibility === v}
                    disabled={busy}
                    onChange={() => void save({ defaultPaymentVisibility: v })}
                  />
                  <span>{t(`visibility.${v}`)}</span>
                </label>
              ))}
            </div>
            <p className="field-hint" id={`${legend}-hint`}>
              {t(`visibility.${current.defaultPaymentVisibility}Hint`)}
            </p>
          </fieldset>
          {error && <ErrorText>{error}</ErrorText>}
        </div>
      )}
    </div>
  );
}
