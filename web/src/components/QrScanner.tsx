import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CloseIcon } from './icons.tsx';
import { Sheet } from './ui.tsx';

/** Frames decoded per second: enough to feel instant, light on a phone's CPU. */
const SCANS_PER_SECOND = 5;

/**
 * A sheet with the camera's picture that reads the first QR code it sees (jsQR, loaded when
 * the sheet opens). Without a camera or permission it says so; the caller offers an image upload.
 */
export function QrScannerSheet({
  open,
  onClose,
  onResult,
}: {
  open: boolean;
  onClose: () => void;
  onResult: (text: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const onResultRef = useRef(onResult);
  onResultRef.current = onResult;

  useEffect(() => {
    if (!open) return;
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setProblem(null);
    const canvas = document.createElement('canvas');
    (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setProblem(t('scan.noCamera'));
        return;
      }
      const [{ default: jsQR }, media] = await Promise.all([
        import('jsqr'),
        navigator.mediaDevices.getUserMedia({
          video: { facingMode: 'environment' },
          audio: false,
        }),
      ]);
      stream = media;
      if (stopped) return;
      const el = video.current;
      if (!el) return;
      el.srcObject = media;
      await el.play().catch(() => {});
      const scan = () => {
        if (stopped) return;
        if (el.videoWidth > 0) {
          const scale = Math.min(1, 640 / Math.max(el.videoWidth, el.videoHeight));
          canvas.width = Math.round(el.videoWidth * scale);
          canvas.height = Math.round(el.videoHeight * scale);
          const ctx = canvas.getContext('2d', { willReadFrequently: true });
          if (ctx) {
            ctx.drawImage(el, 0, 0, canvas.width, canvas.height);
            const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
            const code = jsQR(image.data, canvas.width, canvas.height);
            if (code?.data) {
              stopped = true;
              onResultRef.current(code.data);
              return;
            }
          }
        }
        timer = setTimeout(scan, 1000 / SCANS_PER_SECOND);
      };
      scan();
    })().catch(() => {
      if (!stopped) setProblem(t('scan.noCamera'));
    });
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, [open, t]);

  return (
    <Sheet open={open} onClose={onClose} labelledBy={id} className="scanner-sheet">
      <div className="sheet-head">
        <button
          type="button"
          className="icon-button"
          aria-label={t('common.close')}
          onClick={onClose}
          data-autofocus
        >
          <CloseIcon />
        </button>
        <h2 id={id} className="sheet-title">
          {t('scan.title')}
        </h2>
        <span className="icon-button-spacer" />
      </div>
      <div className="scanner">
        {problem ? (
          <p className="scanner-problem" role="alert">
            {problem}
          </p>
        ) : (
          <>
            <video
              ref={video}
              className="scanner-video"
              muted
              playsInline
              aria-label={t('scan.preview')}
            />
            <span className="scanner-frame" aria-hidden="true" />
          </>
        )}
      </div>
      <p className="muted small center scanner-hint">{t('scan.hint')}</p>
    </Sheet>
  );
}
