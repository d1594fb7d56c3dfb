/**
 * Merchants and local life (口碑): scan and pay, purchases with escrow (confirm, dispute,
 * review), the nearby list, a merchant's page (reviews, coupons) and the owner's dashboard
 * (daily chart, printable code, dynamic codes, refunds, payouts, coupons).
 */
import { BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip } from 'chart.js';
import type { TFunction } from 'i18next';
import { type ChangeEvent, type FormEvent, useRef, useState } from 'react';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useMe } from '../auth.tsx';
import { usePinGate } from '../components/PinGate.tsx';
import { QrScannerSheet } from '../components/QrScanner.tsx';
import { ImageIcon, ScanIcon } from '../components/social-icons.tsx';
import {
  AmountInput,
  EmptyState,
  ErrorText,
  Field,
  Loading,
  PageHeader,
  SubmitButton,
  VerifyNotice,
} from '../components/ui.tsx';
import { amountErrorMessage, errorMessage } from '../errors.ts';
import { walletChanged } from '../events.ts';
import { useFormat } from '../format.ts';
import { useAsync } from '../hooks.ts';
import { parseAmount, toDecimalString } from '../money.ts';
import { decodeQrImage, qrDataUrl } from '../qr.ts';
import { useToast } from '../toast.tsx';
import {
  CATEGORIES,
  type MerchantPayment,
  merchantApi,
  merchantMoney,
  type QrResolution,
  type Rating,
} from './merchant-api.ts';

ChartJS.register(BarElement, CategoryScale, LinearScale, Tooltip);

function Stars({ rating }: { rating: Rating }) {
  const { t } = useTranslation();
  if (rating.count === 0) return <span className="muted small">{t('merchants.noRating')}</span>;
  return (
    <span className="small" data-testid="rating">
      ★ {rating.average?.toFixed(1)} · {t('merchants.ratingCount', { count: rating.count })}
    </span>
  );
}

function distance(m: number, t: TFunction): string {
  return m < 1000
    ? t('merchants.metres', { n: m })
    : t('merchants.kilometres', { n: (m / 1000).toFixed(1) });
}

// ------------------------------------------------------------------------------ scan and pay

/** Scan a merchant's code (camera or a saved image), or pay a merchant from its page. */
export function ScanPayPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const fileInput = useRef<HTMLInputElement>(null);
  const submission = useRef(new MoneySubmission());
  const pin = usePinGate();
  const [scanning, setScanning] = useState(false);
  const [payload, setPayload] = useState<string>();
  const [target, setTarget] = useState<QrResolution>();
  const [amount, setAmount] = useState('');
  const [amountError, setAmountError] = useState<string>();
  const [couponId, setCouponId] = useState('');
  const [escrow, setEscrow] = useState(false);
  const [error, setError] = useState<string>();
  const merchantId = params.get('merchant');
  const direct = useAsync(
    async () => (merchantId ? merchantApi.merchant(merchantId) : undefined),
    [merchantId],
  );
  const merchant = target?.merchant ?? direct.data;
  const coupons = useAsync(
    async () =>
      merchant
        ? (await merchantApi.coupons(merchant.id)).items.filter(
            (c) => c.myClaim && !c.myClaim.usedPaymentId,
          )
        : [],
    [merchant?.id],
  );

  const onScanned = async (text: string) => {
    setScanning(false);
    setError(undefined);
    try {
      const resolved = await merchantApi.resolve(text.trim());
      setPayload(text.trim());
      setTarget(resolved);
      if (resolved.amount !== undefined) setAmount(toDecimalString(resolved.amount));
    } catch (err) {
      setError(
        errorMessage(t, err, {
          qr_invalid: 'merchants.errors.qrInvalid',
          conflict: 'merchants.errors.paidAlready',
        }),
      );
    }
  };

  const onImage = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    try {
      const text = await decodeQrImage(file);
      if (text) await onScanned(text);
      else setError(t('merchants.errors.qrUnreadable'));
    } catch {
      setError(t('merchants.errors.qrUnreadable'));
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!merchant) return;
    const fixed = target?.amount;
    const parsed =
      fixed !== undefined ? ({ ok: true, value: fixed } as const) : parseAmount(amount);
    if (!parsed.ok) {
      setAmountError(amountErrorMessage(t, parsed.error));
      return;
    }
    setError(undefined);
    void pin.ask({
      summary: t('merchants.payTo', { name: merchant.name }),
      amount: f.money(parsed.value),
      run: async (p) => {
        const paid = await merchantMoney.pay(submission.current, {
          ...(payload ? { payload } : { merchantId: merchant.id }),
          ...(fixed === undefined ? { amount: parsed.value } : {}),
          ...(couponId ? { couponId } : {}),
          ...(escrow ? { escrow: true } : {}),
          ...(p ? { pin: p } : {}),
        });
        walletChanged();
        toast(t('merchants.paid', { amount: f.money(paid.paid) }), 'success');
        navigate(`/purchases/${paid.id}`, { replace: true });
      },
      onError: (err) =>
        setError(
          errorMessage(t, err, {
            qr_invalid: 'merchants.errors.qrInvalid',
            conflict: 'merchants.errors.paidAlready',
          }),
        ),
    });
  };

  return (
    <div className="page">
      <PageHeader title={t('merchants.scanPay')} back />
      <VerifyNotice>{t('wallet.verifyHint')}</VerifyNotice>
      {!merchant && (
        <section className="card scan-card" aria-labelledby="scan-pay-title">
          <h2 id="scan-pay-title" className="card-title">
            {t('merchants.scanTitle')}
          </h2>
          <p className="muted small">{t('merchants.scanHint')}</p>
          <div className="button-row">
            <button
              type="button"
              className="button button-primary"
              onClick={() => setScanning(true)}
            >
              <ScanIcon size={20} /> {t('addFriend.scan')}
            </button>
            <button
              type="button"
              className="button button-secondary"
              onClick={() => fileInput.current?.click()}
            >
              <ImageIcon size={20} /> {t('addFriend.fromImage')}
            </button>
          </div>
          <input
            ref={fileInput}
            type="file"
            accept="image/*"
            className="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            data-testid="qr-image-input"
            onChange={(e) => void onImage(e)}
          />
          {error && <ErrorText>{error}</ErrorText>}
        </section>
      )}
      {merchant && (
        <form className="card form-card" onSubmit={submit} noValidate aria-labelledby="pay-title">
          <h2 id="pay-title" className="card-title" data-testid="pay-merchant">
            {merchant.name}
          </h2>
          {target?.note && <p className="muted">{target.note}</p>}
          {target?.amount !== undefined ? (
            <p className="receipt-amount" data-testid="fixed-amount">
              {f.money(target.amount)}
            </p>
          ) : (
            <AmountInput
              label={t('merchants.amount')}
              value={amount}
              onChange={(v) => {
                setAmount(v);
                setAmountError(undefined);
              }}
              error={amountError}
              autoFocus
            />
          )}
          {(coupons.data ?? []).length > 0 && (
            <Field label={t('merchants.coupon')}>
              {(p) => (
                <select {...p} value={couponId} onChange={(e) => setCouponId(e.target.value)}>
                  <option value="">{t('merchants.noCoupon')}</option>
                  {coupons.data!.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.title} (−{f.money(c.discount)}, ≥ {f.money(c.minSpend)})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <label className="check-row">
            <input type="checkbox" checked={escrow} onChange={(e) => setEscrow(e.target.checked)} />
            <span>
              <strong>{t('merchants.escrow')}</strong>
              <span className="muted small"> {t('merchants.escrowHint')}</span>
            </span>
          </label>
          {error && <ErrorText>{error}</ErrorText>}
          <SubmitButton busy={pin.busy}>{t('merchants.payButton')}</SubmitButton>
        </form>
      )}
      <Link to="/purchases" className="text-link">
        {t('merchants.purchases')}
      </Link>
      <QrScannerSheet
        open={scanning}
        onClose={() => setScanning(false)}
        onResult={(x) => void onScanned(x)}
      />
      {pin.sheet}
    </div>
  );
}

// ------------------------------------------------------------------------------- purchases

function statusLabel(t: TFunction, p: MerchantPayment): string {
  return t(`merchants.status.${p.status}`);
}

export function PurchasesPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useAsync(() => merchantApi.purchases(), []);
  return (
    <div className="page">
      <PageHeader title={t('merchants.purchases')} back />
      <section className="card">
        {list.error ? (
          <ErrorText>{errorMessage(t, list.error)}</ErrorText>
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <EmptyState title={t('merchants.noPurchases')} hint={t('merchants.scanHint')}>
            <Link to="/pay" className="button button-secondary button-small">
              {t('merchants.scanPay')}
            </Link>
          </EmptyState>
        ) : (
          <ul className="tx-list">
            {list.data.items.map((p) => (
              <li key={p.id}>
                <Link to={`/purchases/${p.id}`} className="tx-row shop-row">
                  <span className="tx-main">
                    <span className="tx-title">{p.merchant.name}</span>
                    <span className="tx-sub muted small">
                      {f.shortDateTime(p.createdAt)} · {statusLabel(t, p)}
                    </span>
                  </span>
                  <span className="tx-amount">{f.money(-p.paid, p.currency, 'always')}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export function PurchasePage() {
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const { id = '' } = useParams();
  const payment = useAsync(() => merchantApi.payment(id), [id]);
  const submission = useRef(new MoneySubmission());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [reason, setReason] = useState('');
  const [rating, setRating] = useState(5);
  const [text, setText] = useState('');
  const p = payment.data;

  const act = async (work: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      toast(t(done), 'success');
      walletChanged();
      payment.reload();
    } catch (err) {
      setError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  };

  if (payment.error) return <ErrorText>{errorMessage(t, payment.error)}</ErrorText>;
  if (!p) return <Loading />;
  return (
    <div className="page">
      <PageHeader title={t('merchants.purchase')} back />
      <section className="card receipt-card" data-testid="purchase">
        <p className="muted">{p.merchant.name}</p>
        <p className="receipt-amount">{f.money(p.paid, p.currency)}</p>
        {p.discount > 0 && (
          <p className="muted small">
            {t('merchants.discounted', {
              amount: f.money(p.amount),
              discount: f.money(p.discount),
            })}
          </p>
        )}
        <p data-testid="purchase-status">{statusLabel(t, p)}</p>
        {p.refunded > 0 && (
          <p className="small">{t('merchants.refundedAmount', { amount: f.money(p.refunded) })}</p>
        )}
        {p.status === 'escrowed' && p.releaseAt && (
          <p className="muted small">
            {t('merchants.releaseAt', { time: f.dateTime(p.releaseAt) })}
          </p>
        )}
        <p className="muted small">{f.dateTime(p.createdAt)}</p>
      </section>
      {error && <ErrorText>{error}</ErrorText>}
      {p.status === 'escrowed' && (
        <section className="card form-card">
          <button
            type="button"
            className="button button-primary"
            disabled={busy}
            onClick={() =>
              void act(() => merchantMoney.confirm(submission.current, p.id), 'merchants.confirmed')
            }
          >
            {t('merchants.confirm')}
          </button>
          <Field label={t('merchants.disputeReason')}>
            {(props) => (
              <textarea
                {...props}
                maxLength={500}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
            )}
          </Field>
          <button
            type="button"
            className="button button-danger"
            disabled={busy || !reason.trim()}
            onClick={() =>
              void act(() => merchantApi.dispute(p.id, reason.trim()), 'merchants.disputed')
            }
          >
            {t('merchants.dispute')}
          </button>
        </section>
      )}
      {(p.status === 'completed' || p.status === 'resolved') && !p.reviewed && (
        <form
          className="card form-card"
          onSubmit={(e) => {
            e.preventDefault();
            void act(
              () =>
                merchantApi.review(p.merchant.id, { paymentId: p.id, rating, text: text.trim() }),
              'merchants.reviewed',
            );
          }}
        >
          <h2 className="card-title">{t('merchants.writeReview')}</h2>
          <Field label={t('merchants.rating')}>
            {(props) => (
              <select {...props} value={rating} onChange={(e) => setRating(Number(e.target.value))}>
                {[5, 4, 3, 2, 1].map((n) => (
                  <option key={n} value={n}>
                    {'★'.repeat(n)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('merchants.reviewText')}>
            {(props) => (
              <textarea
                {...props}
                maxLength={500}
                value={text}
                onChange={(e) => setText(e.target.value)}
              />
            )}
          </Field>
          <SubmitButton busy={busy}>{t('merchants.submitReview')}</SubmitButton>
        </form>
      )}
      <Link to={`/merchants/${p.merchant.id}`} className="text-link">
        {t('merchants.viewMerchant')}
      </Link>
    </div>
  );
}

// -------------------------------------------------------------------------------- nearby

const DEFAULT_SPOT = { lat: 31.2304, lng: 121.4737 };

export function NearbyPage() {
  const { t } = useTranslation();
  const [spot, setSpot] = useState(DEFAULT_SPOT);
  const [category, setCategory] = useState('');
  const [radius, setRadius] = useState(3000);
  const list = useAsync(
    () => merchantApi.nearby({ ...spot, radiusM: radius, ...(category ? { category } : {}) }),
    [spot.lat, spot.lng, category, radius],
  );
  const locate = () =>
    navigator.geolocation?.getCurrentPosition((pos) =>
      setSpot({ lat: pos.coords.latitude, lng: pos.coords.longitude }),
    );
  return (
    <div className="page">
      <PageHeader title={t('merchants.nearby')} back />
      <section className="card form-card">
        <div className="button-row">
          <button type="button" className="button button-secondary button-small" onClick={locate}>
            {t('merchants.useLocation')}
          </button>
          <Link to="/merchants/mine" className="button button-secondary button-small">
            {t('merchants.myMerchants')}
          </Link>
        </div>
        <Field label={t('merchants.category')}>
          {(p) => (
            <select {...p} value={category} onChange={(e) => setCategory(e.target.value)}>
              <option value="">{t('merchants.allCategories')}</option>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {t(`merchants.categories.${c}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('merchants.radius')}>
          {(p) => (
            <select {...p} value={radius} onChange={(e) => setRadius(Number(e.target.value))}>
              {[1000, 3000, 5000, 10000].map((r) => (
                <option key={r} value={r}>
                  {distance(r, t)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </section>
      <section className="card">
        {list.error ? (
          <ErrorText>{errorMessage(t, list.error)}</ErrorText>
        ) : !list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <EmptyState title={t('merchants.noneNearby')} hint={t('merchants.noneNearbyHint')} />
        ) : (
          <ul className="tx-list" data-testid="nearby-list">
            {list.data.items.map((m) => (
              <li key={m.id}>
                <Link to={`/merchants/${m.id}`} className="tx-row shop-row">
                  <span className="tx-main">
                    <span className="tx-title">{m.name}</span>
                    <span className="tx-sub muted small">
                      {t(`merchants.categories.${m.category}`, { defaultValue: m.category })} ·{' '}
                      {m.address}
                    </span>
                    <Stars rating={m.rating} />
                  </span>
                  <span className="tx-amount small">{distance(m.distanceM, t)}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

// ------------------------------------------------------------------- a merchant's own page

export function MerchantPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const me = useMe();
  const toast = useToast();
  const { id = '' } = useParams();
  const merchant = useAsync(() => merchantApi.merchant(id), [id]);
  const reviews = useAsync(() => merchantApi.reviews(id), [id]);
  const coupons = useAsync(() => merchantApi.coupons(id), [id]);
  const claim = async (couponId: string) => {
    try {
      await merchantApi.claimCoupon(couponId);
      toast(t('merchants.couponClaimed'), 'success');
      coupons.reload();
    } catch (err) {
      toast(errorMessage(t, err), 'error');
    }
  };
  const m = merchant.data;
  if (merchant.error) return <ErrorText>{errorMessage(t, merchant.error)}</ErrorText>;
  if (!m) return <Loading />;
  return (
    <div className="page">
      <PageHeader title={m.name} back />
      <section className="card">
        <p className="muted">
          {t(`merchants.categories.${m.category}`, { defaultValue: m.category })} · {m.address}
        </p>
        <Stars rating={m.rating} />
        <div className="button-row">
          {m.ownerId === me.id ? (
            <Link to={`/merchants/${m.id}/dashboard`} className="button button-primary">
              {t('merchants.dashboard')}
            </Link>
          ) : (
            <Link to={`/pay?merchant=${m.id}`} className="button button-primary">
              {t('merchants.payHere')}
            </Link>
          )}
        </div>
      </section>
      <section className="card" aria-labelledby="coupons-title">
        <h2 id="coupons-title" className="card-title">
          {t('merchants.coupons')}
        </h2>
        {(coupons.data?.items ?? []).length === 0 ? (
          <p className="muted small">{t('merchants.noCoupons')}</p>
        ) : (
          <ul className="tx-list">
            {coupons.data!.items.map((c) => (
              <li key={c.id} className="tx-row shop-row">
                <span className="tx-main">
                  <span className="tx-title">{c.title}</span>
                  <span className="tx-sub muted small">
                    −{f.money(c.discount)} · ≥ {f.money(c.minSpend)} ·{' '}
                    {t('merchants.left', { count: c.remaining })}
                  </span>
                </span>
                {c.myClaim ? (
                  <span className="small">
                    {c.myClaim.usedPaymentId
                      ? t('merchants.couponUsed')
                      : t('merchants.couponMine')}
                  </span>
                ) : (
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    disabled={c.remaining === 0}
                    onClick={() => void claim(c.id)}
                  >
                    {c.remaining === 0 ? t('errors.sold_out') : t('merchants.claim')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="reviews-title">
        <h2 id="reviews-title" className="card-title">
          {t('merchants.reviews')}
        </h2>
        {(reviews.data?.items ?? []).length === 0 ? (
          <p className="muted small">{t('merchants.noReviews')}</p>
        ) : (
          <ul className="tx-list" data-testid="reviews">
            {reviews.data!.items.map((r) => (
              <li key={r.id} className="review">
                <p>
                  <strong>{r.author.nickname}</strong> {'★'.repeat(r.rating)}
                  {r.status === 'held' && (
                    <span className="muted small"> · {t('merchants.held')}</span>
                  )}
                </p>
                <p>{r.text}</p>
                <p className="muted small">{f.shortDateTime(r.createdAt)}</p>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

// ---------------------------------------------------------------------- the owner's side

export function MyMerchantsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const mine = useAsync(() => merchantApi.mine(), []);
  const [name, setName] = useState('');
  const [category, setCategory] = useState<string>('food');
  const [address, setAddress] = useState('');
  const [lat, setLat] = useState(String(DEFAULT_SPOT.lat));
  const [lng, setLng] = useState(String(DEFAULT_SPOT.lng));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const m = await merchantApi.register({
        name: name.trim(),
        category,
        address: address.trim(),
        location: { lat: Number(lat), lng: Number(lng) },
      });
      navigate(`/merchants/${m.id}/dashboard`);
    } catch (err) {
      setError(errorMessage(t, err));
      setBusy(false);
    }
  };
  return (
    <div className="page">
      <PageHeader title={t('merchants.myMerchants')} back />
      <section className="card">
        {!mine.data ? (
          <Loading />
        ) : mine.data.items.length === 0 ? (
          <p className="muted small">{t('merchants.noMerchants')}</p>
        ) : (
          <ul className="tx-list">
            {mine.data.items.map((m) => (
              <li key={m.id}>
                <Link to={`/merchants/${m.id}/dashboard`} className="tx-row shop-row">
                  <span className="tx-title">{m.name}</span>
                  <Stars rating={m.rating} />
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <form
        className="card form-card"
        onSubmit={(e) => void submit(e)}
        aria-labelledby="open-title"
      >
        <h2 id="open-title" className="card-title">
          {t('merchants.open')}
        </h2>
        <VerifyNotice>{t('merchants.verifyToOpen')}</VerifyNotice>
        <Field label={t('merchants.name')}>
          {(p) => (
            <input
              {...p}
              name="name"
              maxLength={40}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('merchants.category')}>
          {(p) => (
            <select {...p} value={category} onChange={(e) => setCategory(e.target.value)}>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {t(`merchants.categories.${c}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('merchants.address')}>
          {(p) => (
            <input
              {...p}
              name="address"
              maxLength={200}
              value={address}
              onChange={(e) => setAddress(e.target.value)}
            />
          )}
        </Field>
        <div className="button-row">
          <Field label={t('merchants.lat')}>
            {(p) => (
              <input
                {...p}
                name="lat"
                inputMode="decimal"
                value={lat}
                onChange={(e) => setLat(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('merchants.lng')}>
            {(p) => (
              <input
                {...p}
                name="lng"
                inputMode="decimal"
                value={lng}
                onChange={(e) => setLng(e.target.value)}
              />
            )}
          </Field>
        </div>
        {error && <ErrorText>{error}</ErrorText>}
        <SubmitButton busy={busy}>{t('merchants.openButton')}</SubmitButton>
      </form>
    </div>
  );
}

function DailyChart({ daily }: { daily: { date: string; received: number; refunded: number }[] }) {
  const { t } = useTranslation();
  return (
    <div className="chart-box">
      <Bar
        role="img"
        aria-label={t('merchants.chartLabel')}
        data={{
          labels: daily.map((d) => d.date.slice(5)),
          datasets: [
            {
              label: t('merchants.received'),
              data: daily.map((d) => d.received / 100),
              backgroundColor: '#0e7c70',
            },
            {
              label: t('merchants.refunds'),
              data: daily.map((d) => d.refunded / 100),
              backgroundColor: '#e0a526',
            },
          ],
        }}
        options={{ responsive: true, maintainAspectRatio: false, animation: false }}
      />
    </div>
  );
}

export function MerchantDashboardPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const { id = '' } = useParams();
  const pin = usePinGate();
  const board = useAsync(() => merchantApi.dashboard(id), [id], { refreshOnWalletChange: true });
  const payments = useAsync(() => merchantApi.merchantPayments(id), [id], {
    refreshOnWalletChange: true,
  });
  const code = useAsync(async () => {
    const { payload } = await merchantApi.staticQr(id);
    return { payload, image: await qrDataUrl(payload) };
  }, [id]);
  const [dynamic, setDynamic] = useState<{ payload: string; image: string; amount: number }>();
  const [requestAmount, setRequestAmount] = useState('');
  const [refunding, setRefunding] = useState<MerchantPayment>();
  const [refundAmount, setRefundAmount] = useState('');
  const [payoutAmount, setPayoutAmount] = useState('');
  const [coupon, setCoupon] = useState({ title: '', discount: '', minSpend: '', quantity: '100' });
  const [error, setError] = useState<string>();
  const refundSubmission = useRef(new MoneySubmission());
  const payoutSubmission = useRef(new MoneySubmission());

  const makeRequest = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseAmount(requestAmount);
    if (!parsed.ok) return setError(amountErrorMessage(t, parsed.error));
    try {
      const r = await merchantApi.createRequest(id, { amount: parsed.value });
      setDynamic({ payload: r.payload, image: await qrDataUrl(r.payload), amount: r.amount });
    } catch (err) {
      setError(errorMessage(t, err));
    }
  };

  const refund = (e: FormEvent) => {
    e.preventDefault();
    const p = refunding;
    const parsed = parseAmount(refundAmount);
    if (!p) return;
    if (!parsed.ok) return setError(amountErrorMessage(t, parsed.error));
    void pin.ask({
      summary: t('merchants.refundTo', { name: p.payer.nickname }),
      amount: f.money(parsed.value),
      run: async (pinValue) => {
        await merchantMoney.refund(refundSubmission.current, p.id, {
          amount: parsed.value,
          ...(pinValue ? { pin: pinValue } : {}),
        });
        toast(t('merchants.refundDone'), 'success');
        setRefunding(undefined);
        setRefundAmount('');
        walletChanged();
      },
      onError: (err) =>
        setError(
          err instanceof ApiError && err.code === 'validation_error'
            ? t('merchants.errors.refundTooMuch')
            : errorMessage(t, err, { insufficient_funds: 'merchants.errors.merchantShort' }),
        ),
    });
  };

  const payout = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseAmount(payoutAmount);
    if (!parsed.ok) return setError(amountErrorMessage(t, parsed.error));
    void pin.ask({
      summary: t('merchants.payout'),
      amount: f.money(parsed.value),
      run: async (pinValue) => {
        await merchantMoney.payout(payoutSubmission.current, id, {
          amount: parsed.value,
          ...(pinValue ? { pin: pinValue } : {}),
        });
        toast(t('merchants.payoutDone'), 'success');
        setPayoutAmount('');
        walletChanged();
      },
      onError: (err) =>
        setError(errorMessage(t, err, { insufficient_funds: 'merchants.errors.merchantShort' })),
    });
  };

  const issue = async (e: FormEvent) => {
    e.preventDefault();
    const discount = parseAmount(coupon.discount);
    const minSpend = parseAmount(coupon.minSpend);
    if (!discount.ok || !minSpend.ok) return setError(t('errors.validation_error'));
    try {
      await merchantApi.issueCoupon(id, {
        title: coupon.title.trim(),
        discount: discount.value,
        minSpend: minSpend.value,
        quantity: Number(coupon.quantity),
        validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      });
      toast(t('merchants.couponIssued'), 'success');
      setCoupon({ title: '', discount: '', minSpend: '', quantity: '100' });
    } catch (err) {
      setError(errorMessage(t, err));
    }
  };

  const b = board.data;
  if (board.error) return <ErrorText>{errorMessage(t, board.error)}</ErrorText>;
  if (!b) return <Loading />;
  return (
    <div className="page merchant-dashboard">
      <PageHeader title={b.merchant.name} back />
      <section className="card" aria-labelledby="totals-title">
        <h2 id="totals-title" className="card-title">
          {t('merchants.dashboard')}
        </h2>
        <p className="receipt-amount" data-testid="merchant-balance">
          {f.money(b.balance, b.currency)}
        </p>
        <p className="muted small">
          {t('merchants.today', {
            count: b.today.count,
            received: f.money(b.today.received),
            refunded: f.money(b.today.refunded),
          })}
        </p>
        {b.inEscrow.count > 0 && (
          <p className="muted small">
            {t('merchants.inEscrow', {
              count: b.inEscrow.count,
              amount: f.money(b.inEscrow.amount),
            })}
          </p>
        )}
        <DailyChart daily={b.daily} />
      </section>
      {error && <ErrorText>{error}</ErrorText>}
      <section className="card" aria-labelledby="payments-title">
        <h2 id="payments-title" className="card-title">
          {t('merchants.payments')}
        </h2>
        {!payments.data ? (
          <Loading />
        ) : payments.data.items.length === 0 ? (
          <p className="muted small">{t('merchants.noPayments')}</p>
        ) : (
          <ul className="tx-list" data-testid="merchant-payments">
            {payments.data.items.map((p) => (
              <li key={p.id} className="tx-row shop-row shop-row-action">
                <span className="tx-main">
                  <span className="tx-title">{p.payer.nickname}</span>
                  <span className="tx-sub muted small">
                    {f.shortDateTime(p.createdAt)} · {statusLabel(t, p)}
                    {p.refunded > 0 &&
                      ` · ${t('merchants.refundedAmount', { amount: f.money(p.refunded) })}`}
                  </span>
                </span>
                <span className="tx-amount">{f.money(p.paid, p.currency, 'always')}</span>
                {p.refundable > 0 && (
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    onClick={() => {
                      setRefunding(p);
                      setRefundAmount(toDecimalString(p.refundable));
                    }}
                  >
                    {t('merchants.refund')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {refunding && (
          <form className="form-card" onSubmit={refund} aria-label={t('merchants.refund')}>
            <AmountInput
              label={t('merchants.refundAmount', { max: f.money(refunding.refundable) })}
              value={refundAmount}
              onChange={setRefundAmount}
            />
            <SubmitButton busy={pin.busy}>{t('merchants.refundButton')}</SubmitButton>
          </form>
        )}
      </section>
      <section className="card receive-card print-qr" aria-labelledby="qr-title">
        <h2 id="qr-title" className="card-title">
          {t('merchants.staticQr')}
        </h2>
        <div className="qr-frame">
          {code.data ? (
            <img
              src={code.data.image}
              width={240}
              height={240}
              alt={t('merchants.qrAlt', { name: b.merchant.name })}
              data-payload={code.data.payload}
              data-testid="static-qr"
            />
          ) : (
            <Loading />
          )}
        </div>
        <p className="profile-name">{b.merchant.name}</p>
        <div className="button-row no-print">
          <button type="button" className="button button-secondary" onClick={() => window.print()}>
            {t('merchants.print')}
          </button>
          {code.data && (
            <a
              className="button button-secondary"
              href={code.data.image}
              download={`hebao-merchant-${b.merchant.id}.png`}
            >
              {t('receive.save')}
            </a>
          )}
        </div>
      </section>
      <form
        className="card form-card no-print"
        onSubmit={(e) => void makeRequest(e)}
        aria-labelledby="dyn-title"
      >
        <h2 id="dyn-title" className="card-title">
          {t('merchants.dynamicQr')}
        </h2>
        <AmountInput
          label={t('merchants.amount')}
          value={requestAmount}
          onChange={setRequestAmount}
        />
        <SubmitButton busy={false}>{t('merchants.makeCode')}</SubmitButton>
        {dynamic && (
          <div className="qr-frame">
            <img
              src={dynamic.image}
              width={240}
              height={240}
              alt={t('merchants.dynamicAlt', { amount: f.money(dynamic.amount) })}
              data-payload={dynamic.payload}
              data-testid="dynamic-qr"
            />
          </div>
        )}
      </form>
      <form className="card form-card no-print" onSubmit={payout} aria-labelledby="payout-title">
        <h2 id="payout-title" className="card-title">
          {t('merchants.payout')}
        </h2>
        <AmountInput
          label={t('merchants.amount')}
          value={payoutAmount}
          onChange={setPayoutAmount}
        />
        <SubmitButton busy={pin.busy}>{t('merchants.payoutButton')}</SubmitButton>
      </form>
      <form
        className="card form-card no-print"
        onSubmit={(e) => void issue(e)}
        aria-labelledby="coupon-title"
      >
        <h2 id="coupon-title" className="card-title">
          {t('merchants.issueCoupon')}
        </h2>
        <p className="muted small">{t('merchants.couponFunding')}</p>
        <Field label={t('merchants.couponTitle')}>
          {(p) => (
            <input
              {...p}
              maxLength={40}
              value={coupon.title}
              onChange={(e) => setCoupon({ ...coupon, title: e.target.value })}
            />
          )}
        </Field>
        <Field label={t('merchants.couponDiscount')}>
          {(p) => (
            <input
              {...p}
              inputMode="decimal"
              value={coupon.discount}
              onChange={(e) => setCoupon({ ...coupon, discount: e.target.value })}
            />
          )}
        </Field>
        <Field label={t('merchants.couponMinSpend')}>
          {(p) => (
            <input
              {...p}
              inputMode="decimal"
              value={coupon.minSpend}
              onChange={(e) => setCoupon({ ...coupon, minSpend: e.target.value })}
            />
          )}
        </Field>
        <Field label={t('merchants.couponQuantity')}>
          {(p) => (
            <input
              {...p}
              inputMode="numeric"
              value={coupon.quantity}
              onChange={(e) => setCoupon({ ...coupon, quantity: e.target.value })}
            />
          )}
        </Field>
        <SubmitButton busy={false}>{t('merchants.issue')}</SubmitButton>
      </form>
      {pin.sheet}
    </div>
  );
}
