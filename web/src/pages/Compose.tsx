import { type ChangeEvent, type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Visibility } from '../api.ts';
import { VideoBadge } from '../components/FeedCards.tsx';
import { CloseIcon } from '../components/icons.tsx';
import { ImageIcon } from '../components/social-icons.tsx';
import { ErrorText, Field, PageHeader } from '../components/ui.tsx';
import { errorMessage } from '../errors.ts';
import { useToast } from '../toast.tsx';
import {
  MAX_MEDIA_PER_POST,
  MAX_UPLOAD_BYTES,
  type Media,
  social,
  UPLOAD_TYPES,
  uploadMedia,
} from './social-api.ts';

const VISIBILITIES: Visibility[] = ['friends', 'public', 'private'];
const MAX_TEXT = 2000;

interface Upload {
  key: number;
  name: string;
  kind: 'image' | 'video';
  preview: string;
  progress: number;
  media?: Media;
  error?: string;
  controller: AbortController;
}

/** Compose a 生活圈 post: text, up to nine photos or videos (uploaded as they are picked). */
export function ComposePage() {
  const { t } = useTranslation();
  const toast = useToast();
  const navigate = useNavigate();
  const fileInput = useRef<HTMLInputElement>(null);
  const visibilityId = useId();
  const nextKey = useRef(1);
  const [text, setText] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('friends');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const uploadsRef = useRef(uploads);
  uploadsRef.current = uploads;

  // Leaving the screen cancels unfinished uploads and frees the previews.
  useEffect(
    () => () => {
      for (const u of uploadsRef.current) {
        u.controller.abort();
        URL.revokeObjectURL(u.preview);
      }
    },
    [],
  );

  const change = (key: number, patch: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...patch } : u)));

  const addFiles = (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    e.target.value = '';
    setError(undefined);
    const room = MAX_MEDIA_PER_POST - uploads.length;
    if (files.length > room) setError(t('compose.errors.tooMany', { max: MAX_MEDIA_PER_POST }));
    for (const file of files.slice(0, Math.max(0, room))) {
      const kind = (UPLOAD_TYPES.video as readonly string[]).includes(file.type)
        ? 'video'
        : 'image';
      const upload: Upload = {
        key: nextKey.current++,
        name: file.name,
        kind,
        preview: URL.createObjectURL(file),
        progress: 0,
        controller: new AbortController(),
      };
      const accepted = ([...UPLOAD_TYPES.image, ...UPLOAD_TYPES.video] as string[]).includes(
        file.type,
      );
      if (!accepted) upload.error = t('compose.errors.type');
      else if (file.size > MAX_UPLOAD_BYTES[kind]) {
        upload.error = t('compose.errors.tooLarge', {
          max: MAX_UPLOAD_BYTES[kind] / 1024 / 1024,
        });
      }
      setUploads((list) => [...list, upload]);
      if (upload.error) continue;
      uploadMedia(
        file,
        (progress) => change(upload.key, { progress }),
        upload.controller.signal,
      ).then(
        (media) => change(upload.key, { media, progress: 1 }),
        (err: unknown) => {
          if ((err as Error).name === 'AbortError') return;
          change(upload.key, {
            error: errorMessage(t, err, { unsupported_media_type: 'compose.errors.type' }),
          });
        },
      );
    }
  };

  const remove = (u: Upload) => {
    u.controller.abort();
    URL.revokeObjectURL(u.preview);
    setUploads((list) => list.filter((x) => x.key !== u.key));
  };

  const uploading = uploads.some((u) => !u.media && !u.error);
  const ready = uploads.filter((u) => u.media);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    if (!text.trim() && ready.length === 0) {
      setError(t('compose.errors.empty'));
      return;
    }
    setBusy(true);
    try {
      const post = await social.createPost({
        text: text.trim(),
        visibility,
        ...(ready.length ? { mediaIds: ready.map((u) => u.media!.id) } : {}),
      });
      toast(post.moderationStatus === 'held' ? t('compose.held') : t('compose.posted'), 'success');
      navigate('/feed', { replace: true });
    } catch (err) {
      setError(errorMessage(t, err, { content_rejected: 'compose.errors.rejected' }));
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <PageHeader title={t('compose.title')} back="/feed" />
      <form className="card form-card compose" onSubmit={submit} noValidate>
        <Field
          label={t('compose.text')}
          hint={t('compose.count', { n: text.length, max: MAX_TEXT })}
        >
          {(p) => (
            <textarea
              {...p}
              name="text"
              rows={5}
              maxLength={MAX_TEXT}
              placeholder={t('compose.placeholder')}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          )}
        </Field>
        <div className="field">
          <span className="label" id={`${visibilityId}-media`}>
            {t('compose.media', { n: uploads.length, max: MAX_MEDIA_PER_POST })}
          </span>
          <ul className="upload-grid" aria-labelledby={`${visibilityId}-media`}>
            {uploads.map((u) => (
              <li key={u.key} className={`upload${u.error ? ' upload-failed' : ''}`}>
                {u.kind === 'image' ? (
                  <img src={u.preview} alt={u.name} />
                ) : (
                  <>
                    <video src={u.preview} muted preload="metadata" aria-label={u.name} />
                    <VideoBadge />
                  </>
                )}
                {!u.media && !u.error && (
                  <span className="upload-progress">
                    <progress
                      max={1}
                      value={u.progress}
                      aria-label={t('compose.uploading', { name: u.name })}
                    />
                  </span>
                )}
                {u.error && (
                  <span className="upload-error" role="alert">
                    {u.error}
                  </span>
                )}
                <button
                  type="button"
                  className="upload-remove"
                  onClick={() => remove(u)}
                  aria-label={t('compose.remove', { name: u.name })}
                >
                  <CloseIcon size={16} />
                </button>
              </li>
            ))}
            {uploads.length < MAX_MEDIA_PER_POST && (
              <li>
                <button
                  type="button"
                  className="upload-add"
                  onClick={() => fileInput.current?.click()}
                >
                  <ImageIcon size={26} />
                  <span>{t('compose.add')}</span>
                </button>
              </li>
            )}
          </ul>
          <p className="field-hint">{t('compose.mediaHint')}</p>
          <input
            ref={fileInput}
            type="file"
            multiple
            accept={[...UPLOAD_TYPES.image, ...UPLOAD_TYPES.video].join(',')}
            className="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            data-testid="media-input"
            onChange={addFiles}
          />
        </div>
        <fieldset className="field segmented-field">
          <legend>{t('compose.visibility')}</legend>
          <div className="segmented">
            {VISIBILITIES.map((v) => (
              <label key={v} className={`segment${visibility === v ? ' segment-on' : ''}`}>
                <input
                  type="radio"
                  name="visibility"
                  value={v}
                  checked={visibility === v}
                  onChange={() => setVisibility(v)}
                />
                <span>{t(`visibility.${v}`)}</span>
              </label>
            ))}
          </div>
          <p className="field-hint">{t(`compose.visibilityHint.${visibility}`)}</p>
        </fieldset>
        {error && <ErrorText>{error}</ErrorText>}
        <button
          type="submit"
          className="button button-primary button-block"
          disabled={busy || uploading}
        >
          {busy
            ? t('common.processing')
            : uploading
              ? t('compose.waitUploads')
              : t('compose.submit')}
        </button>
      </form>
    </div>
  );
}
