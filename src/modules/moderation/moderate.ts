/**
 * Text moderation: every post, comment, transfer note, nickname and red-envelope greeting
 * passes `moderateText` before it is stored.
 *
 * How a decision is made. Every hit has a weight: an action term weighs its threshold (a
 * `review` term 5, a `reject` term 8), a lure or a brand name its own smaller weight, and
 * each kind of contact offered (phone, WeChat id, link…) a contact weight. Within a category
 * the strongest action term counts once and weights add up; the categories add up to the
 * score, and the score against the thresholds gives the action. So a review-level term next
 * to a phone number, or a pile of lures with a WeChat id, tips into rejection, while a phone
 * number alone stays allowed. Words of reporting or warning (警方, 谨防) may lower the score
 * of a text that offers no contact, by at most enough to excuse one reject-level mention.
 */
import { fileURLToPath } from 'node:url';
import {
  type ContactKind,
  type ContactSpan,
  findEarningsClaim,
  findHandleAfter,
  findLinks,
  findPhoneNumbers,
  findServicePriceList,
  findSpelledLinks,
} from './contact.ts';
import { type NormalizedText, normalizeText } from './normalize.ts';
import { forEachPinyinMatch } from './pinyin.ts';
import {
  type Category,
  type CompiledRules,
  compileRules,
  loadTermFiles,
  type Thresholds,
} from './terms.ts';

export type ModerationContext = 'post' | 'comment' | 'note' | 'nickname' | 'greeting';
export type ModerationAction = 'allow' | 'review' | 'reject';

export interface DecisionMatch {
  category: Category;
  /** An opaque id (`gambling:1x9k2a`, `contact:phone`): safe to log, never the term itself. */
  termId: string;
  /** UTF-16 span in the original text, when known. */
  start?: number;
  end?: number;
}

export interface Decision {
  action: ModerationAction;
  /** Why the text was held or rejected, strongest first; empty when allowed. */
  categories: Category[];
  /** Every hit that counted (one per term or contact kind), allowed or not, for the decision log. */
  matches: DecisionMatch[];
  /** The weights of the hits, combined as described above; compared with the thresholds. */
  score: number;
}

export interface ContactWeights {
  /** Per kind of contact, counted once however many there are. */
  phone: number;
  wechat: number;
  qq: number;
  telegram: number;
  email: number;
  url: number;
  'suspicious-url': number;
}

export interface ModeratorOptions {
  /** The bundled term lists; override only in tests. */
  termsDir?: string;
  /** Operator term files (`<dataDir>/moderation`), loaded after the bundled ones and able to override them. */
  operatorDir?: string;
  thresholds?: Partial<Thresholds>;
  contactWeights?: Partial<ContactWeights>;
}

export interface Moderator {
  moderateText(text: string, context: ModerationContext): Decision;
  /** Re-reads the term files. On an invalid file it throws and keeps the rules it had. */
  reload(): void;
}

export const DEFAULT_THRESHOLDS: Thresholds = { review: 5, reject: 8 };

export const DEFAULT_CONTACT_WEIGHTS: ContactWeights = {
  phone: 3,
  wechat: 3,
  qq: 3,
  telegram: 3,
  email: 1,
  url: 2,
  'suspicious-url': 5,
};

/**
 * A contact in a nickname is itself an advert (the nickname is shown wherever the user
 * goes), so contacts weigh double there.
 */
const CONTACT_MULTIPLIER: Readonly<Record<ModerationContext, number>> = {
  post: 1,
  comment: 1,
  note: 1,
  nickname: 2,
  greeting: 1,
};

const EARNINGS_CLAIM_WEIGHT = 2;

/** Weight of a price list of sexual services (快餐三百 全套五百): held alone, rejected with a contact. */
const SERVICE_PRICE_LIST_WEIGHT = 5;

/** The weight at which a named category leads "ads" in the reasons given (see `categoriesToReport`). */
const SPECIFIC_WEIGHT = 3;

export const DEFAULT_TERMS_DIR = fileURLToPath(new URL('./terms/', import.meta.url));

export function createModerator(options: ModeratorOptions = {}): Moderator {
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const contactWeights: ContactWeights = { ...DEFAULT_CONTACT_WEIGHTS, ...options.contactWeights };
  const load = (): CompiledRules => {
    const files = loadTermFiles(options.termsDir ?? DEFAULT_TERMS_DIR);
    if (options.operatorDir !== undefined) files.push(...loadTermFiles(options.operatorDir));
    return compileRules(files, thresholds);
  };
  let rules = load();
  return {
    moderateText: (text, context) =>
      moderateWithRules(rules, text, context, {
        thresholds,
        contactWeights,
        earningsClaimWeight: EARNINGS_CLAIM_WEIGHT,
      }),
    reload: () => {
      rules = load(); // assigned only once compiled, so a bad file leaves the old rules in force
    },
  };
}

export interface Scoring {
  thresholds: Thresholds;
  contactWeights: ContactWeights;
  /** Weight of a stated income ("日赚三百", "$500 per day"), the other half of a job-scam advert. */
  earningsClaimWeight: number;
}

interface Hit {
  termIndex: number;
  start: number;
  end: number;
}

/**
 * A category's share of the score: its strongest action term plus all its weighted terms; its
 * supporting lures join only when something else of the category is there.
 */
class CategoryScores {
  private readonly strongestAction = new Map<Category, number>();
  private readonly weights = new Map<Category, number>();
  private readonly supportingWeights = new Map<Category, number>();

  add(category: Category, weight: number, accumulates: boolean, supporting = false): void {
    if (supporting) {
      this.supportingWeights.set(category, (this.supportingWeights.get(category) ?? 0) + weight);
    } else if (accumulates) {
      this.weights.set(category, (this.weights.get(category) ?? 0) + weight);
    } else {
      this.strongestAction.set(category, Math.max(this.strongestAction.get(category) ?? 0, weight));
    }
  }

  byCategory(): Map<Category, number> {
    const total = new Map<Category, number>();
    for (const [category, w] of this.strongestAction) total.set(category, w);
    for (const [category, w] of this.weights) total.set(category, (total.get(category) ?? 0) + w);
    for (const [category, w] of this.supportingWeights) {
      const own = total.get(category);
      if (own !== undefined && own > 0) total.set(category, own + w);
    }
    return total;
  }
}

/** The pure core: compiled rules and a text in, a decision out. */
export function moderateWithRules(
  rules: CompiledRules,
  text: string,
  context: ModerationContext,
  scoring: Scoring,
): Decision {
  const norm = normalizeText(text);
  const { hits, mitigationIds } = findTermHits(rules, norm);
  const scores = new CategoryScores();
  const matches: DecisionMatch[] = [];

  const seenTerms = new Set<number>();
  const contacts: ContactSpan[] = [];
  /** Matches of supporting lures: dropped from the log below when their category did not count. */
  const supportingMatches = new Set<DecisionMatch>();
  // A lure inside a longer term (稳赚 in 稳赚不赔, 发票 in 代开发票, 垫付 in 先垫付) is the same
  // words counted twice: the longer term speaks for them.
  const insideLonger = longerTermTest(rules, hits);
  for (const hit of hits) {
    const term = rules.terms[hit.termIndex]!;
    if (term.channel === 'url') {
      // "www点abc点com": spelling a link out to get past link filters is itself the tell.
      contacts.push({ kind: 'suspicious-url', start: hit.start, end: hit.end });
    } else if (term.channel !== undefined) {
      const handle = findHandleAfter(norm, hit.end, term.channel, term.weight > 0);
      if (handle !== null) contacts.push(handle);
    }
    if (seenTerms.has(hit.termIndex) || term.weight === 0) continue;
    if (term.accumulates && insideLonger?.(hit.start, hit.end)) continue;
    seenTerms.add(hit.termIndex);
    scores.add(term.category, term.weight, term.accumulates, term.supporting);
    const match: DecisionMatch = {
      category: term.category,
      termId: term.termId,
      ...originalSpan(norm, hit.start, hit.end),
    };
    matches.push(match);
    if (term.supporting) supportingMatches.add(match);
  }

  const claim = findEarningsClaim(norm);
  if (claim !== null) {
    scores.add('ads', scoring.earningsClaimWeight, true);
    matches.push({
      category: 'ads',
      termId: 'pattern:earnings-claim',
      ...originalSpan(norm, claim.start, claim.end),
    });
  }

  const priceList = findServicePriceList(norm);
  if (priceList !== null) {
    scores.add('pornography', SERVICE_PRICE_LIST_WEIGHT, true);
    matches.push({
      category: 'pornography',
      termId: 'pattern:service-price-list',
      ...originalSpan(norm, priceList.start, priceList.end),
    });
  }

  contacts.push(...findPhoneNumbers(norm));
  const multiplier = CONTACT_MULTIPLIER[context];
  const offered = firstOfEachKind(dropOverlapping(contacts));
  for (const contact of offered) {
    scores.add('ads', scoring.contactWeights[contact.kind] * multiplier, true);
    matches.push({
      category: 'ads',
      termId: `contact:${contact.kind}`,
      ...originalSpan(norm, contact.start, contact.end),
    });
  }
  const links = firstOfEachKind([...findLinks(text), ...findSpelledLinks(text, norm)]);
  for (const link of links) {
    scores.add('ads', scoring.contactWeights[link.kind] * multiplier, true);
    matches.push({
      category: 'ads',
      termId: `contact:${link.kind}`,
      ...(link.start >= 0 ? { start: link.start, end: link.end } : {}),
    });
  }

  const byCategory = scores.byCategory();
  const counted =
    supportingMatches.size === 0
      ? matches
      : matches.filter((m) => !supportingMatches.has(m) || byCategory.has(m.category));
  let score = 0;
  for (const weight of byCategory.values()) score += weight;
  const { review, reject } = scoring.thresholds;
  if (offered.length === 0 && links.length === 0 && mitigationIds.size > 0) {
    // At most enough to bring a lone reject-level term just under review: reporting can
    // excuse a mention, never a pile of them.
    let mitigation = 0;
    for (const id of mitigationIds) {
      const { weight, excuses } = rules.mitigations[id]!;
      if ([...byCategory.keys()].every((category) => excuses.has(category))) mitigation += weight;
    }
    // Two or more warning words (反诈中心提醒…诈骗) may also excuse the lures around the mention.
    const cap = reject - review + (mitigation >= 5 ? 3 : 1);
    score = Math.max(0, score - Math.min(mitigation, cap));
  }
  const action: ModerationAction =
    score >= reject ? 'reject' : score >= review ? 'review' : 'allow';
  return {
    action,
    categories: action === 'allow' ? [] : categoriesToReport(byCategory, review),
    matches: counted,
    score,
  };
}

/**
 * Term hits in the normalised text, literal and by pinyin, minus those inside an allow-listed
 * phrase (a hit contained in 葡京酒店 is a hotel, not a casino); and the mitigating words present.
 */
function findTermHits(
  rules: CompiledRules,
  norm: NormalizedText,
): { hits: Hit[]; mitigationIds: Set<number> } {
  const termCount = rules.terms.length;
  const firstMitigation = termCount + rules.allowCount;
  const hits: Hit[] = [];
  const allowed: [number, number][] = [];
  const mitigationIds = new Set<number>();
  rules.literal.forEachMatch(norm.text, (patternId, start, end) => {
    if (patternId >= firstMitigation) {
      mitigationIds.add(patternId - firstMitigation);
    } else if (patternId >= termCount) {
      allowed.push([start, end]);
    } else if (
      !rules.terms[patternId]!.wholeWord ||
      (norm.boundary[start] === 1 && norm.boundary[end] === 1)
    ) {
      // Whole-word terms must start and end on word boundaries ("sex" is not in "Essex").
      hits.push({ termIndex: patternId, start, end });
    }
  });
  const isAllowed = allowed.length === 0 ? undefined : containmentTest(allowed);
  if (rules.pinyin !== null) {
    forEachPinyinMatch(
      norm,
      rules.pinyin,
      (patternId, start, end) => {
        hits.push({ termIndex: rules.pinyinTerm[patternId]!, start, end });
      },
      isAllowed,
    );
  }
  if (isAllowed === undefined) return { hits, mitigationIds };
  return { hits: hits.filter((hit) => !isAllowed(hit.start, hit.end)), mitigationIds };
}

/**
 * Whether a span lies strictly inside a longer hit of a counted term, or null when there is
 * at most one such hit. Equal spans do not count: the same words under two terms are two readings.
 */
function longerTermTest(
  rules: CompiledRules,
  hits: readonly Hit[],
): ((start: number, end: number) => boolean) | null {
  const spans: [number, number][] = [];
  for (const hit of hits) {
    if (rules.terms[hit.termIndex]!.weight > 0) spans.push([hit.start, hit.end]);
  }
  if (spans.length < 2) return null;
  const inside = containmentTest(spans);
  // Strictly inside: some span starts earlier and reaches as far, or starts as early and reaches further.
  return (start, end) => inside(start - 1, end) || inside(start, end + 1);
}

/**
 * Whether [start, end) lies inside one of `spans`, in O(log n) per question: among the spans
 * starting at or before `start`, the one reaching furthest decides.
 */
function containmentTest(spans: [number, number][]): (start: number, end: number) => boolean {
  spans.sort((a, b) => a[0] - b[0]);
  const starts = Int32Array.from(spans, ([s]) => s);
  const furthestEnd = new Int32Array(spans.length);
  let furthest = -1;
  spans.forEach(([, e], k) => {
    furthest = Math.max(furthest, e);
    furthestEnd[k] = furthest;
  });
  return (start, end) => {
    let lo = 0;
    let hi = starts.length; // first index with starts[index] > start
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= start) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && furthestEnd[lo - 1]! >= end;
  };
}

function originalSpan(
  norm: NormalizedText,
  start: number,
  end: number,
): { start: number; end: number } {
  return { start: norm.start[start]!, end: norm.end[end - 1]! };
}

/**
 * One id spotted both as a WeChat id and as a phone number is one contact, not two. Sorting
 * is stable, so of two contacts starting together the one found first (after a keyword) wins.
 */
function dropOverlapping(contacts: ContactSpan[]): ContactSpan[] {
  const kept: ContactSpan[] = [];
  let keptEnd = -1;
  for (const c of [...contacts].sort((a, b) => a.start - b.start)) {
    if (c.start >= keptEnd) {
      kept.push(c);
      keptEnd = c.end;
    } else {
      keptEnd = Math.max(keptEnd, c.end);
    }
  }
  return kept;
}

/** The first contact of each kind: listing three numbers is no worse than listing one. */
function firstOfEachKind(contacts: ContactSpan[]): ContactSpan[] {
  const byKind = new Map<ContactKind, ContactSpan>();
  for (const c of contacts) if (!byKind.has(c.kind)) byKind.set(c.kind, c);
  return [...byKind.values()];
}

/**
 * The categories to tell the author: the strongest one, and any other that would have held
 * the text on its own, so a gambling advert with a URL reads "gambling", not "gambling, ads".
 */
function categoriesToReport(contribution: Map<Category, number>, review: number): Category[] {
  const ranked = [...contribution.entries()].filter(([, w]) => w > 0).sort((a, b) => b[1] - a[1]);
  // Contacts and lures make "ads" the loudest part of most spam; when a named kind of spam
  // (fraud, gambling, pornography) carries real weight too, it is what the text is about.
  const named = ranked.findIndex(([category, w]) => category !== 'ads' && w >= SPECIFIC_WEIGHT);
  if (ranked[0]?.[0] === 'ads' && named > 0) ranked.unshift(...ranked.splice(named, 1));
  return ranked
    .filter(([, weight], index) => index === 0 || weight >= review)
    .map(([category]) => category);
}
