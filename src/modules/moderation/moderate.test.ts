import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModerator, type Decision } from './moderate.ts';
import { splitPinyinWord } from './pinyin.ts';
import { TermFileError } from './terms.ts';

const moderator = createModerator();
const decide = (text: string): Decision => moderator.moderateText(text, 'post');

function expectFlagged(text: string, category: string): void {
  const decision = decide(text);
  expect(decision.action, `${text} → ${JSON.stringify(decision)}`).not.toBe('allow');
  expect(decision.categories, text).toContain(category);
}

function expectAllowed(text: string): void {
  const decision = decide(text);
  expect(decision.action, `${text} → ${JSON.stringify(decision)}`).toBe('allow');
}

describe('evasion tricks are caught', () => {
  it('the plain term', () => expectFlagged('博彩网站 注册就送', 'gambling'));
  it('traditional characters', () => expectFlagged('線上賭場 開戶送', 'gambling'));
  it('full-width letters', () => expectFlagged('ＯＮＬＩＮＥ ＣＡＳＩＮＯ', 'gambling'));
  it('spaces and punctuation between characters', () =>
    expectFlagged('真 人·荷-官 在线', 'gambling'));
  it('emoji between characters', () => expectFlagged('真🔥人🔥荷🔥官', 'gambling'));
  it('zero-width characters between characters', () =>
    expectFlagged('刷\u200b单\u200d兼职', 'fraud'));
  it('homophones read in pinyin', () => expectFlagged('搏採平台', 'gambling'));
  it('a term typed as pinyin', () => expectFlagged('bocai 平台', 'gambling'));
  it('a term typed as spaced pinyin', () => expectFlagged('liu he cai 特码 资料', 'gambling'));
  it('pinyin mixed with characters', () => expectFlagged('博cai 网址', 'gambling'));
  it('leet digits', () => expectFlagged('free p0rn videos', 'pornography'));
  it('Cyrillic look-alikes', () => expectFlagged('ѕех chat tonight', 'pornography'));
  it('a phone number in Chinese numerals, offered with lures', () =>
    expectFlagged('兼职日结 电话一三八零零一三八零零零', 'ads'));
  it('a phone number in circled digits, offered with lures', () =>
    expectFlagged('①③⑧⓪⓪①③⑧⓪⓪⓪ 日结兼职', 'ads'));
  it('a spaced-out phone number with lures', () =>
    expectFlagged('招代理 月入过万 138 0013 8000', 'ads'));
  it('a WeChat id after a dodged keyword', () => expectFlagged('兼职 +V：abc123', 'ads'));
  it('a QQ number after 扣扣', () => expectFlagged('代刷 扣扣 12345678 日结', 'ads'));
  it('a Telegram handle', () => expectFlagged('crypto signals daily, tg: @signal_king', 'ads'));
  it('a link spelled out to dodge link filters', () =>
    expectFlagged('红包 www点hb888点com', 'ads'));
  it('a link to a throwaway domain', () => expectFlagged('see www.win-big.xyz now', 'ads'));
});

describe('ordinary posts are allowed', () => {
  it('a trip to Macau', () => expectAllowed('五一去澳门旅游，住在葡京酒店'));
  it('a hotel of the same name as a casino brand', () => expectAllowed('新葡京酒店的自助餐不错'));
  it('a family mahjong game', () => expectAllowed('过年和家人打麻将，输了二十块'));
  it('a wine shop', () => expectAllowed('楼下新开了一家红酒店'));
  it('the state lottery', () => expectAllowed('路过彩票站买了两注福利彩票'));
  it('spinach (菠菜 is gambling slang, and also spinach)', () => expectAllowed('菠菜炒鸡蛋真好吃'));
  it('a warning against a scam', () => expectAllowed('公安提醒：刷单就是诈骗'));
  it('news about a gambling ring', () => expectAllowed('新闻：警方破获一起网络赌博案件'));
  it('a phone number shared with family', () =>
    expectAllowed('妈，这是我的新号码 13912345678，存一下'));
  it('a friend asking to be added on WeChat', () => expectAllowed('加我微信13800138000'));
  it('payment notes', () => {
    for (const note of ['AA饭钱', '房租', '红包', '还你的奶茶钱']) {
      expect(moderator.moderateText(note, 'note').action, note).toBe('allow');
    }
  });
  it('English words that contain a term', () => expectAllowed('Essex and Middlesex, an analysis'));
  it('a polyphone that only sounds like a term out of context (落了 is luò le)', () =>
    expectAllowed('他落了东西'));
  it('a phrase that reads like a term in pinyin but is not on the list for that reason', () =>
    expectAllowed('这部独播剧很好看'));
});

describe('decisions', () => {
  it('rejects a reject-level term and reports its category', () => {
    const decision = decide('澳门首家线上赌场');
    expect(decision.action).toBe('reject');
    expect(decision.categories[0]).toBe('gambling');
    expect(decision.score).toBeGreaterThanOrEqual(8);
  });

  it('holds a review-level term for review', () => {
    expect(decide('娱乐城').action).toBe('review');
  });

  it('tips a review-level term into rejection when a contact comes with it', () => {
    expect(decide('娱乐城 电话 13800138000').action).toBe('reject');
  });

  it('counts a contact in a nickname double', () => {
    expect(moderator.moderateText('小王13800138000', 'post').action).toBe('allow');
    expect(moderator.moderateText('小王13800138000', 'nickname').action).toBe('review');
  });

  it('reports match spans in the original text', () => {
    const text = '看看 搏採 平台';
    const match = decide(text).matches.find((m) => m.category === 'gambling');
    expect(text.slice(match?.start, match?.end)).toBe('搏採');
  });

  it('never puts the term itself in a decision', () => {
    const decision = decide('博彩网站 裸聊 刷单');
    const serialised = JSON.stringify(decision);
    for (const term of ['博彩', '裸聊', '刷单']) expect(serialised).not.toContain(term);
  });

  it('allows empty text', () => {
    expect(decide('')).toEqual({ action: 'allow', categories: [], matches: [], score: 0 });
  });
});

describe('pinyin', () => {
  it('splits a Latin word into syllables, fewest first', () => {
    expect(splitPinyinWord('bocai')).toEqual([2, 3]);
    expect(splitPinyinWord('xian')).toEqual([4]);
    expect(splitPinyinWord('casino')).toBeNull();
  });

  it('only matches whole syllables of the text', () => {
    // "abocaiz" is not pinyin, so its letters never form bo·cai.
    expectAllowed('abocaiz');
  });
});

describe('operator term files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hebao-moderation-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are loaded after the defaults and picked up by reload()', () => {
    const operated = createModerator({ operatorDir: dir });
    expect(operated.moderateText('新型骗术暗号', 'post').action).toBe('allow');
    writeFileSync(
      join(dir, 'wave.json'),
      JSON.stringify({ category: 'fraud', terms: [{ term: '骗术暗号', action: 'reject' }] }),
    );
    operated.reload();
    expect(operated.moderateText('新型骗术暗号', 'post').action).toBe('reject');
  });

  it('can silence a default term', () => {
    writeFileSync(
      join(dir, 'quiet.json'),
      JSON.stringify({ category: 'gambling', terms: [{ term: '娱乐城', weight: 0 }] }),
    );
    expect(createModerator({ operatorDir: dir }).moderateText('娱乐城', 'post').action).toBe(
      'allow',
    );
    rmSync(join(dir, 'quiet.json'));
  });

  it('keep the rules in force when a reloaded file is invalid', () => {
    const operated = createModerator({ operatorDir: dir });
    writeFileSync(
      join(dir, 'broken.json'),
      JSON.stringify({ category: 'gambling', terms: [{ term: 'x', action: 'ban' }] }),
    );
    expect(() => operated.reload()).toThrow(TermFileError);
    expect(operated.moderateText('新型骗术暗号', 'post').action).toBe('reject');
    rmSync(join(dir, 'broken.json'));
  });

  it('refuse pinyin on a term too short for it', () => {
    writeFileSync(
      join(dir, 'short.json'),
      JSON.stringify({
        category: 'gambling',
        terms: [{ term: '赌', action: 'review', pinyin: true }],
      }),
    );
    expect(() => createModerator({ operatorDir: dir })).toThrow(/pinyin/);
    rmSync(join(dir, 'short.json'));
  });
});
