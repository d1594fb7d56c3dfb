import { type FormEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ApiError, MoneySubmission } from '../api.ts';
import { useMe } from '../auth.tsx';
import { PlusIcon, SendIcon } from '../components/icons.tsx';
import {
  FamilyIcon,
  FriendSelect,
  ProgressBar,
  useFriendOptions,
} from '../components/money-ui.tsx';
import { usePinGate } from '../components/PinGate.tsx';
import { formatDate } from '../components/social-format.ts';
import { Avatar } from '../components/social-ui.tsx';
import {
  AmountInput,
  ConfirmSheet,
  EmptyState,
  ErrorText,
  IconLink,
  Loading,
  PageHeader,
  Sheet,
  SubmitButton,
  VerifyNotice,
} from '../components/ui.tsx';
import { usePaged } from '../components/usePaged.ts';
import { amountErrorMessage, errorMessage } from '../errors.ts';
import { useFormat } from '../format.ts';
import { parseAmount, toDecimalString } from '../money.ts';
import { useToast } from '../toast.tsx';
import {
  FAMILY_RELATIONS,
  type FamilyLink,
  type FamilyRelation,
  familyApi,
  familyMoney,
} from './money-api.ts';

/** What the payer is to the member, from what the member is to the payer. */
const INVERSE: Record<FamilyRelation, FamilyRelation> = {
  parent: 'child',
  child: 'parent',
  partner: 'partner',
  sibling: 'sibling',
  grandparent: 'grandchild',
  grandchild: 'grandparent',
  other: 'other',
};

/** The other person of a link, and what they are to me. */
function otherSide(link: FamilyLink) {
  return link.role === 'payer'
    ? { userId: link.memberUserId, nickname: link.memberNickname, relation: link.relation }
    : { userId: link.payerId, nickname: link.payerNickname, relation: INVERSE[link.relation] };
}

/** A member's active links that can pay, for the transfer form. */
export async function payableFamilyLinks(): Promise<FamilyLink[]> {
  const page = await familyApi.links();
  return page.items.filter((l) => l.role === 'member' && l.status === 'active');
}

type Pending = { kind: 'unlink'; link: FamilyLink } | { kind: 'decline'; link: FamilyLink };

/** Family accounts (亲情账户): whom I pay for, who pays for me, and this month's spending. */
export function FamilyPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const links = usePaged(
    (cursor) => familyApi.links(cursor),
    (l) => l.id,
    [],
  );
  const [limitFor, setLimitFor] = useState<FamilyLink | null>(null);
  const [confirm, setConfirm] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const active = links.items.filter((l) => l.status === 'active');
  const ended = links.items.filter((l) => l.status !== 'active');
  const paying = active.filter((l) => l.role === 'payer');
  const paidFor = active.filter((l) => l.role === 'member');

  const end = async (p: Pending) => {
    setBusy(true);
    setError(undefined);
    try {
      if (p.kind === 'unlink') await familyApi.unlink(p.link.id);
      else await familyApi.decline(p.link.id);
      toast(
        t(p.kind === 'unlink' ? 'family.unlinked' : 'family.declined', {
          name: otherSide(p.link).nickname,
        }),
        'success',
      );
      links.reload();
    } catch (err) {
      setError(errorMessage(t, err, { conflict: 'family.errors.ended' }));
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };

  return (
    <div className="page family-page">
      <PageHeader
        title={t('family.title')}
        back
        right={
          <IconLink to="/family/new" label={t('family.link')}>
            <PlusIcon />
          </IconLink>
        }
      />
      <section className="intro card">
        <span className="intro-icon" aria-hidden="true">
          <FamilyIcon size={26} />
        </span>
        <p className="intro-text">{t('family.intro')}</p>
      </section>
      {links.error ? <ErrorText>{errorMessage(t, links.error)}</ErrorText> : null}
      {error && <ErrorText>{error}</ErrorText>}
      {links.loading ? (
        <Loading />
      ) : (
        <>
          <section className="card" aria-labelledby="paying-title">
            <div className="card-head">
              <h2 id="paying-title" className="card-title">
                {t('family.paying')}
              </h2>
              <Link to="/family/new" className="text-link">
                <PlusIcon size={16} /> {t('family.link')}
              </Link>
            </div>
            {paying.length === 0 ? (
              <EmptyState
                title={t('family.payingEmpty')}
                hint={t('family.payingEmptyHint')}
                icon={<FamilyIcon size={36} />}
              >
                <Link to="/family/new" className="button button-secondary button-small">
                  {t('family.link')}
                </Link>
              </EmptyState>
            ) : (
              <ul className="family-list" data-testid="family-paying">
                {paying.map((l) => (
                  <LinkCard
                    key={l.id}
                    link={l}
                    busy={busy}
                    onLimit={() => setLimitFor(l)}
                    onEnd={() => setConfirm({ kind: 'unlink', link: l })}
                  />
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="paid-for-title">
            <h2 id="paid-for-title" className="card-title card-title-spaced">
              {t('family.paidFor')}
            </h2>
            {paidFor.length === 0 ? (
              <p className="muted small">{t('family.paidForEmpty')}</p>
            ) : (
              <ul className="family-list" data-testid="family-paid-for">
                {paidFor.map((l) => (
                  <LinkCard
                    key={l.id}
                    link={l}
                    busy={busy}
                    onEnd={() => setConfirm({ kind: 'decline', link: l })}
                  />
                ))}
              </ul>
            )}
          </section>
          {ended.length > 0 && (
            <details className="card ended-links">
              <summary className="card-title">{t('family.ended', { count: ended.length })}</summary>
              <ul className="people-list">
                {ended.map((l) => {
                  const other = otherSide(l);
                  return (
                    <li key={l.id} className="person-row">
                      <Avatar name={other.nickname} id={other.userId} size="small" />
                      <span className="person-main">
                        <span className="person-name">{other.nickname}</span>
                        <span className="person-sub">
                          {t(`family.role.${l.role}`)} · {t(`family.relation.${other.relation}`)}
                        </span>
                      </span>
                      <span className="chip chip-refunded">{t(`family.status.${l.status}`)}</span>
                    </li>
                  );
                })}
              </ul>
            </details>
          )}
        </>
      )}
      <LimitSheet
        link={limitFor}
        onClose={() => setLimitFor(null)}
        onChanged={() => {
          setLimitFor(null);
          links.reload();
        }}
      />
      <ConfirmSheet
        open={confirm !== null}
        title={
          confirm
            ? t(confirm.kind === 'unlink' ? 'family.unlinkTitle' : 'family.declineTitle', {
                name: otherSide(confirm.link).nickname,
              })
            : ''
        }
        body={
          confirm ? t(confirm.kind === 'unlink' ? 'family.unlinkBody' : 'family.declineBody') : ''
        }
        confirmLabel={confirm?.kind === 'decline' ? t('family.decline') : t('family.unlink')}
        danger
        busy={busy}
        onConfirm={() => confirm && void end(confirm)}
        onClose={() => setConfirm(null)}
      />
    </div>
  );
}

function LinkCard({
  link,
  busy,
  onLimit,
  onEnd,
}: {
  link: FamilyLink;
  busy: boolean;
  onLimit?: () => void;
  onEnd: () => void;
}) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const other = otherSide(link);
  const used = link.monthlyLimit - link.remainingThisMonth;
  const nearlyUsed = link.remainingThisMonth < link.monthlyLimit * 0.2;
  return (
    <li className="family-link">
      <div className="person-row">
        <Avatar name={other.nickname} id={other.userId} />
        <span className="person-main">
          <span className="person-name">{other.nickname}</span>
          <span className="person-sub">
            {t(`family.relation.${other.relation}`)} ·{' '}
            {t('family.since', { date: formatDate(i18n.language, link.createdAt) })}
          </span>
        </span>
        <span className="chip chip-completed">{t('family.status.active')}</span>
      </div>
      <div className="family-usage">
        <div className="family-usage-line">
          <span>{t('family.spent', { amount: f.money(link.spentThisMonth, link.currency) })}</span>
          <span className="muted">
            {t('family.limit', { amount: f.money(link.monthlyLimit, link.currency) })}
          </span>
        </div>
        <ProgressBar
          value={used}
          max={link.monthlyLimit}
          tone={nearlyUsed ? 'amber' : 'primary'}
          label={t('family.usage', {
            spent: f.money(link.spentThisMonth, link.currency),
            limit: f.money(link.monthlyLimit, link.currency),
          })}
        />
        <p className="family-remaining" data-testid={`remaining-${link.id}`}>
          {t('family.remaining', { amount: f.money(link.remainingThisMonth, link.currency) })}
        </p>
      </div>
      <div className="family-actions">
        {link.role === 'payer' ? (
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={onLimit}
            disabled={busy}
            aria-label={t('family.changeLimitNamed', { name: other.nickname })}
          >
            {t('family.changeLimit')}
          </button>
        ) : (
          <Link
            to={`/transfer?${new URLSearchParams({ family: link.id })}`}
            className="button button-secondary button-small"
          >
            <SendIcon size={16} /> {t('family.payWith')}
          </Link>
        )}
        <button
          type="button"
          className="button button-danger-outline button-small"
          onClick={onEnd}
          disabled={busy}
          aria-label={t(link.role === 'payer' ? 'family.unlinkNamed' : 'family.declineNamed', {
            name: other.nickname,
          })}
        >
          {link.role === 'payer' ? t('family.unlink') : t('family.decline')}
        </button>
      </div>
    </li>
  );
}

/** The payer changes the monthly limit; raising it lets more money out, so it takes the PIN. */
function LimitSheet({
  link,
  onClose,
  onChanged,
}: {
  link: FamilyLink | null;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const me = useMe();
  const f = useFormat();
  const toast = useToast();
  const id = useId();
  const gate = usePinGate();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const [shownFor, setShownFor] = useState<string | null>(null);
  if (link && shownFor !== link.id) {
    setShownFor(link.id);
    setValue(toDecimalString(link.monthlyLimit, link.currency));
    setError(undefined);
  }

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!link) return;
    const parsed = parseAmount(value);
    if (!parsed.ok) {
      setError(amountErrorMessage(t, parsed.error));
      return;
    }
    const limit = parsed.value;
    const name = otherSide(link).nickname;
    const run = async (pin: string | undefined) => {
      await familyApi.changeLimit(link.id, { monthlyLimit: limit, ...(pin ? { pin } : {}) });
      toast(t('family.limitChanged', { name, amount: f.money(limit, link.currency) }), 'success');
      setShownFor(null);
      onChanged();
    };
    const onError = (err: unknown) =>
      setError(
        err instanceof ApiError && err.field === 'monthlyLimit'
          ? t('errors.fields.monthlyLimit')
          : errorMessage(t, err, { conflict: 'family.errors.ended' }),
      );
    if (limit > link.monthlyLimit && me.hasPin) {
      onClose();
      void gate.ask({
        summary: t('family.pinRaise', { name }),
        amount: f.money(limit, link.currency),
        run,
        onError: (err) => {
          toast(err instanceof ApiError ? errorMessage(t, err) : t('errors.unknown'), 'error');
        },
      });
      return;
    }
    run(undefined).catch(onError);
  };

  return (
    <>
      <Sheet
        open={link !== null}
        onClose={() => {
          setShownFor(null);
          onClose();
        }}
        labelledBy={id}
      >
        {link && (
          <form className="sheet-body" onSubmit={save} noValidate>
            <h2 id={id} className="sheet-title">
              {t('family.limitTitle', { name: otherSide(link).nickname })}
            </h2>
            <AmountInput
              label={t('family.monthlyLimit')}
              value={value}
              onChange={(v) => {
                setValue(v);
                setError(undefined);
              }}
              error={error}
              hint={t('family.limitHint', {
                amount: f.money(link.spentThisMonth, link.currency),
              })}
            />
            <div className="button-row">
              <button
                type="button"
                className="button button-secondary"
                onClick={() => {
                  setShownFor(null);
                  onClose();
                }}
              >
                {t('common.cancel')}
              </button>
              <button type="submit" className="button button-primary" data-autofocus>
                {t('family.saveLimit')}
              </button>
            </div>
          </form>
        )}
      </Sheet>
      {gate.sheet}
    </>
  );
}

const LINK_ERRORS = {
  forbidden: 'family.errors.notFriend',
  conflict: 'family.errors.already',
  blocked: 'family.errors.blocked',
  not_found: 'family.errors.noUser',
} as const;

/** Link a friend: they may pay from my wallet up to a monthly limit I choose. */
export function LinkFamilyPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const toast = useToast();
  const navigate = useNavigate();
  const submission = useRef(new MoneySubmission());
  const gate = usePinGate();
  const relationId = useId();
  const friends = useFriendOptions();
  const [member, setMember] = useState('');
  const [relation, setRelation] = useState<FamilyRelation>('parent');
  const [limit, setLimit] = useState('');
  const [errors, setErrors] = useState<{ member?: string; limit?: string }>({});
  const [error, setError] = useState<string>();
  const memberName = friends.data?.find((x) => x.userId === member)?.nickname ?? '';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const found: typeof errors = {};
    if (!member) found.member = t('family.errors.member');
    const parsed = parseAmount(limit);
    if (!parsed.ok) found.limit = amountErrorMessage(t, parsed.error);
    setErrors(found);
    if (Object.keys(found).length || !parsed.ok) return;
    const monthlyLimit = parsed.value;
    void gate.ask({
      summary: t('family.pinLink', { name: memberName }),
      amount: t('family.perMonth', { amount: f.money(monthlyLimit) }),
      run: async (pin) => {
        await familyMoney.link(submission.current, {
          memberUserId: member,
          monthlyLimit,
          relation,
          ...(pin ? { pin } : {}),
        });
        toast(t('family.linked', { name: memberName }), 'success');
        navigate('/family', { replace: true });
      },
      onError: (err) =>
        setError(
          err instanceof ApiError && err.field === 'monthlyLimit'
            ? t('errors.fields.monthlyLimit')
            : errorMessage(t, err, LINK_ERRORS),
        ),
    });
  };

  return (
    <div className="page">
      <PageHeader title={t('family.linkTitle')} back />
      <VerifyNotice>{t('family.verifyFirst')}</VerifyNotice>
      <form className="card form-card" onSubmit={submit} noValidate>
        <p className="form-lead">
          <FamilyIcon size={20} /> {t('family.linkLead')}
        </p>
        {friends.error ? (
          <ErrorText>{errorMessage(t, friends.error)}</ErrorText>
        ) : (
          <FriendSelect
            friends={friends}
            label={t('family.member')}
            name="member"
            value={member}
            error={errors.member}
            onChange={(v) => {
              setMember(v);
              setErrors((x) => ({ ...x, member: undefined }));
            }}
          />
        )}
        <fieldset className="field">
          <legend id={relationId}>
            {memberName ? t('family.relationOf', { name: memberName }) : t('family.relationLabel')}
          </legend>
          <div className="chip-choices">
            {FAMILY_RELATIONS.map((r) => (
              <label key={r} className={`chip-choice${relation === r ? ' chip-choice-on' : ''}`}>
                <input
                  type="radio"
                  name="relation"
                  value={r}
                  checked={relation === r}
                  onChange={() => setRelation(r)}
                />
                <span>{t(`family.relation.${r}`)}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <AmountInput
          label={t('family.monthlyLimit')}
          value={limit}
          onChange={(v) => {
            setLimit(v);
            setErrors((x) => ({ ...x, limit: undefined }));
          }}
          error={errors.limit}
          hint={t('family.monthlyLimitHint')}
        />
        {error && <ErrorText>{error}</ErrorText>}
        <SubmitButton busy={gate.busy}>{t('family.linkSubmit')}</SubmitButton>
        <p className="muted small center">{t('family.linkFootnote')}</p>
      </form>
      {gate.sheet}
    </div>
  );
}
