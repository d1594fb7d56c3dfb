/**
 * Moderation throughput on ~1 MB of mixed text (Chinese and English posts, some spam with
 * evasion tricks): the Aho–Corasick pass alone, normalisation, pinyin, and the whole
 * `moderateText`, each warmed up and then timed over several runs.
 *
 *   node --import tsx bench/moderation.ts
 */
import { createModerator, DEFAULT_TERMS_DIR } from '../src/modules/moderation/moderate.ts';
import { normalizeTerm, normalizeText } from '../src/modules/moderation/normalize.ts';
import { forEachPinyinMatch } from '../src/modules/moderation/pinyin.ts';
import { compileRules, loadTermFiles } from '../src/modules/moderation/terms.ts';

const TARGET_BYTES = 1024 * 1024;
const RUNS = 7;

const ORDINARY = [
  '今天天气不错，和家人去公园散步，顺便买了杯奶茶。',
  '周末和爸妈打麻将，三缺一，快来！',
  '五一去澳门旅游，住在葡京酒店，晚上去大三巴逛逛。',
  '新开的红酒店打折，买了两瓶，味道还行。',
  '妈，这是我的新号码 13912345678，存一下。',
  'AA饭钱，谢谢大家今晚出来聚餐。',
  '公司招实习生，有意者投简历到 hr@example.com',
  '孩子期末考试考了第一名，奖励一个红包。',
  '这周的房租和水电费我已经转给房东了。',
  'Went to Macau last weekend, the casinos are huge but we just walked around.',
  'Thanks for dinner! Sent you my share of the bill.',
  'Our team is hiring a designer, apply on the careers page.',
  '世界杯决赛太精彩了，梅西终于捧杯，昨晚看到三点。',
  '菠菜炒鸡蛋真好吃，晚上再做一次。',
];
const SPAM = [
  '澳門首家線上賭場，真人荷官在線發牌，註冊即送888彩金',
  '兼\u200b职\u200b日\u200b结，加ｖｘ：abc123 了解',
  '搏採平台 首充100送100 天天返水',
  '电话：壹叁捌零零壹叁捌零零零 兼职 日结',
  'Free p0rn videos, click here www.example.xyz',
  '刷单兼职，一单一结，佣金当天到账',
  '六 合 彩 特码 一肖中特 今晚必中',
];

/** A small deterministic PRNG, so every run benchmarks the same text. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mixedText(bytes: number): string {
  const random = mulberry32(42);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const pool = random() < 0.1 ? SPAM : ORDINARY;
    const part = `${pool[Math.floor(random() * pool.length)]!}\n`;
    parts.push(part);
    size += Buffer.byteLength(part);
  }
  return parts.join('');
}

function time(label: string, megabytes: number, run: () => void): void {
  for (let i = 0; i < 2; i++) run(); // warm-up: JIT, memoised folds and readings
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    run();
    const used = process.cpuUsage(cpuStarted);
    samples.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  samples.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  const perMb = median / megabytes;
  // CPU time as well as wall time: on a shared machine the wall clock also counts the time
  // the process waited for a core, which says nothing about the code.
  const cpuMedian = cpu[Math.floor(cpu.length / 2)]! / megabytes;
  console.log(
    `${label.padEnd(38)} median ${median.toFixed(1).padStart(7)} ms  ` +
      `${perMb.toFixed(1).padStart(7)} ms/MB  ${(1000 / perMb).toFixed(1).padStart(7)} MB/s  (min ${samples[0]!.toFixed(1)})` +
      `  cpu ${cpuMedian.toFixed(1).padStart(6)} ms/MB`,
  );
}

const text = mixedText(TARGET_BYTES);
const megabytes = Buffer.byteLength(text) / TARGET_BYTES;
console.log(
  `moderation bench: ${(megabytes * 1024).toFixed(0)} KiB, ${text.length} UTF-16 units, ${RUNS} runs after warm-up\n`,
);

let started = performance.now();
const rules = compileRules(loadTermFiles(DEFAULT_TERMS_DIR), { review: 5, reject: 8 });
console.log(
  `compile term lists: ${(performance.now() - started).toFixed(1)} ms (${rules.terms.length} terms)`,
);
started = performance.now();
const moderator = createModerator();
console.log(`createModerator (load + compile): ${(performance.now() - started).toFixed(1)} ms\n`);

const normalized = normalizeText(text);
let sink = 0;
time('match (Aho–Corasick, normalised)', megabytes, () => {
  rules.literal.forEachMatch(normalized.text, (id) => {
    sink += id;
  });
});
// Baseline in the same run: one String.indexOf scan of the normalised text per term.
const flat = normalized.text;
const termStrings = [
  ...new Set(
    loadTermFiles(DEFAULT_TERMS_DIR).flatMap((f) =>
      (f.file.terms ?? []).map((e) => normalizeTerm(typeof e === 'string' ? e : e.term)),
    ),
  ),
].filter((term) => term.length > 0);
time(`baseline: indexOf per term (${termStrings.length} scans)`, megabytes, () => {
  for (const term of termStrings) {
    for (let at = flat.indexOf(term); at >= 0; at = flat.indexOf(term, at + 1)) sink += at;
  }
});
time('normalise', megabytes, () => {
  sink += normalizeText(text).text.length;
});
time('normalise + match', megabytes, () => {
  rules.literal.forEachMatch(normalizeText(text).text, (id) => {
    sink += id;
  });
});
if (rules.pinyin !== null) {
  const pinyin = rules.pinyin;
  time('pinyin match (lattice + confirm)', megabytes, () => {
    forEachPinyinMatch(normalized, pinyin, (id) => {
      sink += id;
    });
  });
}
time('moderateText (whole 1 MB as one text)', megabytes, () => {
  sink += moderator.moderateText(text, 'post').score;
});

const posts = text.split('\n').filter((line) => line.length > 0);
time(`moderateText (${posts.length} posts)`, megabytes, () => {
  for (const post of posts) sink += moderator.moderateText(post, 'post').score;
});
const startedPosts = performance.now();
for (const post of posts) sink += moderator.moderateText(post, 'post').score;
const perPost = ((performance.now() - startedPosts) * 1000) / posts.length;
console.log(
  `\nper post: ${perPost.toFixed(1)} µs on average (${(text.length / posts.length).toFixed(0)} characters)`,
);
if (sink === Number.MIN_VALUE) console.log(sink); // keeps the work from being optimised away
