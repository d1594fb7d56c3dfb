/**
 * The spam real feeds get — solicitation, fraud (click-farming, loans for the unbankable, bank
 * cards for sale, invoices) and gambling — written the ways spammers write it to get past a
 * filter; and the ordinary posts that only look like it, which must pass.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createModerator, type Decision } from './moderate.ts';
import { normalizeText } from './normalize.ts';

const moderator = createModerator();
const decide = (text: string): Decision => moderator.moderateText(text, 'post');

function expectFlagged(text: string, category: string): void {
  const decision = decide(text);
  expect(decision.action, `${text} → ${JSON.stringify(decision)}`).not.toBe('allow');
  expect(decision.categories, text).toContain(category);
}

function expectRejected(text: string, category: string): void {
  const decision = decide(text);
  expect(decision.action, `${text} → ${JSON.stringify(decision)}`).toBe('reject');
  expect(decision.categories[0], text).toBe(category);
}

function expectAllowed(text: string): void {
  const decision = decide(text);
  expect(decision.action, `${text} → ${JSON.stringify(decision)}`).toBe('allow');
}

describe('each evasion is undone', () => {
  it('full-width letters', () => expectRejected('ＯＮＬＩＮＥ ＣＡＳＩＮＯ 注册', 'gambling'));
  it('full-width pinyin', () => expectFlagged('ｓｈｕａ ｄａｎ 日结 想做的私', 'fraud'));
  it('typed pinyin of a phrase', () => expectRejected('dai kai fa piao 全国可开', 'fraud'));
  it('typed pinyin whose Han homophone is ordinary (yuepao, but 约跑步 passes)', () => {
    expectRejected('yue pao 同城 今晚', 'pornography');
    expectAllowed('明天早上约跑步吗？');
  });
  it('traditional characters', () => expectRejected('代開發票 可驗真', 'fraud'));
  it('emoji between characters', () => expectRejected('代💰开💰发💰票', 'fraud'));
  it('zero-width characters between characters', () =>
    expectRejected('出\u200b售\u200c银\u200d行\ufeff卡', 'fraud'));
  it('spaces between characters', () => expectRejected('黑 户 贷 款 秒 批', 'fraud'));
  it('enclosing keycaps between characters', () => expectRejected('代⃣开⃣发⃣票⃣', 'fraud'));
  it('a link spaced out', () => {
    const decision = decide('注册送88 w w w . a m 8 8 . c c');
    expect(decision.matches.map((m) => m.termId)).toContain('contact:suspicious-url');
    expect(decision.action).not.toBe('allow');
  });
  it('a link with its dots spelled 点 and spaced', () =>
    expectFlagged('看 我 主 页 网 址 w w w 点 z q 8 点 t o p', 'ads'));
  it('a link with (dot) and emoji in www', () =>
    expectFlagged('ｗ🔥ｗ🔥ｗ.bad(dot)com 日结兼职', 'ads'));
  it('a link written plainly is not a spelled-out one', () => {
    const decision = decide('我的博客 www.myblog.com 更新了');
    expect(decision.matches.map((m) => m.termId)).not.toContain('contact:suspicious-url');
    expect(decision.action).toBe('allow');
  });
  it('split characters (贝者 for 赌, 十尃 for 博, 衤果 for 裸)', () => {
    expectRejected('网上贝者场 开户就送', 'gambling');
    expectRejected('十尃彩平台', 'gambling');
    expectRejected('衤果聊 一对一', 'pornography');
    expectRejected('纟勺炮 同城', 'pornography');
  });
  it('split characters with a space between the halves', () =>
    expectRejected('贝 者场 开户', 'gambling'));
  it('Kangxi radicals in place of characters', () => {
    // ⼥ is U+2F25 KANGXI RADICAL WOMAN, not 女 U+5973.
    expect(normalizeText('⼥昌').text).toBe('娼');
    expectRejected('⼥昌 ⼥支 上门 包夜', 'pornography');
  });
  it('variant characters (彂 for 发, 岀 for 出)', () => {
    expect(normalizeText('彂票 岀售').text).toBe('发票出售');
    expectRejected('岀售发票 可验真', 'fraud');
  });
  it('homophones, confirmed in context (岱款 for 贷款, 发嘌 for 发票)', () => {
    expectRejected('岱款 不看征信 秒批', 'fraud');
    expectRejected('发嘌代开 可查可验', 'fraud');
  });
  it('a split character is reported at its original span', () => {
    const text = '看看 贝者场 开户';
    const match = decide(text).matches.find((m) => m.category === 'gambling');
    expect(match).toBeDefined();
    expect(text.slice(match!.start, match!.end)).toContain('贝者');
  });
});

describe('the kinds of spam real feeds get', () => {
  it('click-farming (刷单)', () => {
    expectRejected('招刷手，一单一结，佣金百分之十，vx：sd2024', 'fraud');
    expectRejected('做任务领佣金，先垫付后返还，连单任务佣金翻倍', 'fraud');
  });
  it('loans for the unbankable', () => {
    expectRejected('黑户也能下款，不看征信，当天放款，联系 138 0013 8000', 'fraud');
    expectFlagged('Bad credit? No credit check loans, instant approval', 'fraud');
  });
  it('bank cards for sale', () => {
    expectRejected('出售一类卡 二类卡 四件套 全套 飞机@cardking', 'fraud');
    expectRejected('借你的卡用一下走流水，每天给你三百，不用你操作', 'fraud');
  });
  it('invoices', () => {
    expectRejected('代开各类发票 增值税专用发票 可验真 联系薇信 fp8899', 'fraud');
    expectFlagged('开票 各行业 正规发票 税点低 加v：kp6688', 'fraud');
  });
  it('solicitation', () => {
    expectRejected('同城上门服务，学生妹兼职，全套价格美丽，加ｖ：ｌｏｖｅ６６８８', 'pornography');
    expectRejected('寂寞了吗？同城约会，只约不聊，绿泡泡 sexy520', 'pornography');
  });
  it('gambling tipsters at the races', () => {
    expectRejected('赛马 内幕 必中 稳赚 一注翻十倍 加v：hk8899 带你赢', 'gambling');
  });
});

describe('look-alikes pass: a word of spam in an ordinary sentence does not block', () => {
  it('an outing to the race track is not a lottery scam', () => {
    expectAllowed('周末带孩子去沙田马场看赛马，顺手买了两张彩票玩玩，输了二十块哈哈');
    expectAllowed('第一次去跑马地看夜马，气氛太好了，下次还去');
    expectAllowed('Day out at the racecourse, we each put ten dollars on a horse for fun');
    expectAllowed('北京赛车场周末有卡丁车体验，带孩子去玩了');
  });
  it('the words alone, without lures or a way to reach the seller', () => {
    expectAllowed('赛马');
    expectAllowed('彩票');
    expectAllowed('发票');
    expectAllowed('银行卡');
  });
  it('ordinary money talk', () => {
    expectAllowed('吃饭记得开发票，公司可以报销');
    expectAllowed('公司出差的费用先垫付，回来再报销，发票别丢了');
    expectAllowed('饭店老板说开票要加税点，我们就没开');
    expectAllowed('公积金贷款下款了，终于可以交房了');
    expectAllowed('银行卡丢了，赶紧打电话挂失');
    expectAllowed('床上四件套打折，全棉的');
  });
  it('slang that shares characters with solicitation', () => {
    expectAllowed('今天和女票去看电影，她哭得稀里哗啦');
    expectAllowed('空调维修师傅上门服务，收费合理');
  });
  it('games', () => expectAllowed('这款游戏的首充礼包挺划算的，送了一套皮肤'));
  it('warnings that name several scams at once', () => {
    expectAllowed('反诈中心提醒：刷单返利是最常见的诈骗');
    expectAllowed('看了一个讲网络诈骗的纪录片，刷单、贷款、出租银行卡全是套路');
  });
  it('service adverts that share words with solicitation or card trading', () => {
    expectAllowed('家电维修，同城上门，全套服务，电话 13800138000');
    expectAllowed('专业开锁 同城上门 二十四小时 电话 13912345678');
    expectAllowed('收购二手手机 高价回收 上门收 电话 13800138000');
    expectAllowed('中午吃了个快餐，二十块一份');
  });
  it('supporting words count beside a sexual term, not beside a phone number', () => {
    const alone = decide('同城 上门 全套 价格美丽 电话 13800138000');
    expect(alone.action).toBe('allow');
    // Lures that did not count stay out of the decision log.
    expect(alone.matches.map((m) => m.termId)).toEqual(['contact:phone']);
    expect(decide('同城 上门 全套 价格美丽 学生妹 电话 13800138000').action).toBe('reject');
  });
  it('a price list of services is solicitation', () =>
    expectRejected(
      '同 城 快 餐 三 百 全 套 五 百 上 门 服 务 ，联系 qq 3456789012',
      'pornography',
    ));
  it('a customer-service reply with a phone number', () =>
    expectAllowed('快递漏发了一件，客服说给我补单，电话 13800138000 联系他们'));
});

describe('signals combine: held for review, then rejected', () => {
  it('loan lures alone are held; with a phone number they are rejected', () => {
    expect(decide('贷款 不看征信').action).toBe('review');
    expect(decide('贷款 不看征信 电话 13800138000').action).toBe('reject');
  });
  it('a spelled-out link alone is held; with a lure it is rejected', () => {
    expect(decide('w w w . x y z 8 8 . c c').action).toBe('review');
    expect(decide('看片 w w w . x y z 8 8 . c c').action).toBe('reject');
  });
  it('the named kind of spam leads the reasons, not the contact that came with it', () => {
    expect(decide('点赞关注就能赚钱，一个赞三毛，日结不拖欠，加群领任务').categories[0]).toBe(
      'fraud',
    );
  });
});

/** Phrases that are rejected on their own; every one must stay caught however it is padded. */
const BLOCKED = [
  '刷单',
  '出售银行卡',
  '收购银行卡',
  '代开发票',
  '黑户贷款',
  '无视征信',
  '线上赌场',
  '真人荷官',
  '博彩',
  '网赌',
  '时时彩',
  '约炮',
  '裸聊',
  '只约不聊',
  '援交',
  '贝者场开户',
  'online casino',
  'sex chat',
];

/** What spammers put between characters: zero-width and format characters, emoji, spaces, marks. */
const FILLER = fc.constantFrom(
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  ' ',
  '  ',
  '\u3000',
  '\t',
  '🔥',
  '💰',
  '❤️',
  '😘',
  '👉',
  '🎰',
  '·',
  '*',
  '.',
  '、',
  '|',
  '~',
  '♥',
  '★',
);

describe('padding never lets a blocked phrase through (property)', () => {
  it('each phrase is rejected as written', () => {
    for (const phrase of BLOCKED) expect(decide(phrase).action, phrase).toBe('reject');
  });

  it('inserting zero-width characters, emoji or spaces between characters keeps it blocked', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BLOCKED),
        fc.array(fc.array(FILLER, { maxLength: 3 }), { minLength: 20, maxLength: 20 }),
        (phrase, fillers) => {
          const chars = [...phrase];
          const padded = chars.map((ch, i) => ch + (fillers[i] ?? []).join('')).join('');
          const decision = decide(padded);
          return decision.action !== 'allow' && decision.categories.length > 0;
        },
      ),
      { numRuns: 500 },
    );
  });

  it('padding inside an ordinary sentence keeps the phrase blocked', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BLOCKED),
        fc.array(fc.array(FILLER, { maxLength: 2 }), { minLength: 20, maxLength: 20 }),
        fc.constantFrom('今天天气不错，', '朋友说：', 'hey ', ''),
        (phrase, fillers, before) => {
          const padded = [...phrase].map((ch, i) => ch + (fillers[i] ?? []).join('')).join('');
          return decide(`${before}${padded}，了解一下`).action !== 'allow';
        },
      ),
      { numRuns: 300 },
    );
  });
});
