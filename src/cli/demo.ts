/**
 * `hebao demo`: a small world for a newcomer to look around in — a dozen verified users with
 * PINs, money and friendships, a group with a fund, a collection and shared expenses, a red
 * envelope still waiting to be opened, an IOU, a family link, payments and posts with photos.
 *
 * Everything goes through the HTTP API in-process (`app.inject`), so the demo obeys the same
 * rules as real use and leaves a balanced ledger. Idempotent: a database that already has the
 * demo users is left alone. A database with anyone else in it is refused unless `force`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import type { Db } from '../db/pool.ts';
import { checkCharacter } from '../modules/identity/id-number.ts';

export const DEMO_PASSWORD = 'Hebao-demo-2026';
export const DEMO_PIN = '258036';

const PEOPLE = [
  ['荷花', '李荷花'],
  ['阿波', '王波'],
  ['小满', '陈小满'],
  ['大树', '张大树'],
  ['春燕', '刘春燕'],
  ['晓明', '赵晓明'],
  ['丽丽', '孙丽丽'],
  ['老王', '王建华'],
  ['阿强', '周强'],
  ['小美', '吴小美'],
  ['建国', '郑建国'],
  ['芳芳', '黄芳芳'],
] as const;

/** 138 0000 0101 … 0112: mainland mobile numbers reserved for the demo world. */
export const demoPhone = (i: number) => `1380000${String(101 + i).padStart(4, '0')}`;
const e164 = (phone: string) => `+86${phone}`;

export interface DemoLogin {
  phone: string;
  nickname: string;
}

export type DemoOutcome =
  | { status: 'seeded'; logins: DemoLogin[] }
  | { status: 'already'; logins: DemoLogin[] }
  | { status: 'refused'; otherUsers: number };

const logins = (): DemoLogin[] =>
  PEOPLE.map(([nickname], i) => ({ phone: demoPhone(i), nickname }));

function idNumber(i: number): string {
  const first17 = `110101${1980 + i}0${(i % 9) + 1}1${i % 10}9${String(i).padStart(2, '0')}`;
  return first17 + checkCharacter(first17);
}

interface Person {
  id: string;
  nickname: string;
  headers: Record<string, string>;
}

export async function seedDemo(
  app: FastifyInstance,
  db: Db,
  options: {
    force?: boolean;
    /**
     * Reads the code the sandbox SMS channel sent to a phone. Given, each demo user proves
     * their phone (request a code, send it back) as anyone must before real-name verification.
     */
    readSms?: (phone: string) => string | undefined;
  } = {},
): Promise<DemoOutcome> {
  const phones = PEOPLE.map((_, i) => e164(demoPhone(i)));
  const { rows } = await db.query<{ demo: number; other: number }>(
    `SELECT count(*) FILTER (WHERE phone = ANY($1))::int AS demo,
            count(*) FILTER (WHERE phone <> ALL($1))::int AS other FROM users`,
    [phones],
  );
  const { demo, other } = rows[0]!;
  if (demo > 0) return { status: 'already', logins: logins() };
  if (other > 0 && !options.force) return { status: 'refused', otherUsers: other };

  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    url: string,
    who: Person | undefined,
    body?: unknown,
  ) => {
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { ...(who?.headers ?? {}), 'idempotency-key': randomUUID() },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    if (res.statusCode >= 300) {
      throw new Error(`demo: ${method} ${url} answered ${res.statusCode}: ${res.body}`);
    }
    return res.body ? res.json() : undefined;
  };

  // People: registered, verified, with a PIN and money.
  const people: Person[] = [];
  for (const [i, [nickname, realName]] of PEOPLE.entries()) {
    const reg = await call('POST', '/auth/register', undefined, {
      phone: demoPhone(i),
      password: DEMO_PASSWORD,
      nickname,
    });
    const p: Person = {
      id: reg.user.id,
      nickname,
      headers: { authorization: `Bearer ${reg.token}` },
    };
    if (options.readSms) {
      await call('POST', '/auth/phone-codes', undefined, {
        phone: demoPhone(i),
        purpose: 'verify',
      });
      await call('POST', '/me/phone-verification', p, { code: options.readSms(demoPhone(i)) });
    }
    await call('POST', '/me/verification', p, { realName, idNumber: idNumber(i) });
    await call('PUT', '/me/pin', p, { pin: DEMO_PIN });
    await call('POST', '/wallet/topups', p, { amount: 200_000 + i * 10_000 });
    people.push(p);
  }
  const [hehua, abo, xiaoman, dashu, chunyan, xiaoming, lili, laowang] = people;
  const pin = { pin: DEMO_PIN };

  // Friendships: everyone with 荷花, and each with the next one along.
  const befriend = async (a: Person, b: Person) => {
    const req = await call('POST', '/friends/requests', a, { userId: b.id });
    if (req.status !== 'accepted') await call('POST', `/friends/requests/${req.id}/accept`, b);
  };
  for (const p of people.slice(1)) await befriend(p, hehua!);
  for (let i = 1; i + 1 < people.length; i++) await befriend(people[i]!, people[i + 1]!);

  // Payments with notes, for the feed and the history.
  const pay = (from: Person, to: Person, amount: number, note: string) =>
    call('POST', '/transfers', from, {
      to: { userId: to.id },
      amount,
      note,
      visibility: 'friends',
      ...pin,
    });
  await pay(abo!, hehua!, 3_800, '奶茶 🧋');
  await pay(hehua!, xiaoman!, 12_000, '电影票');
  await pay(dashu!, chunyan!, 6_600, '拼车费');

  // A group with a fund, a collection (partly paid) and shared expenses.
  const club = [abo!, xiaoman!, dashu!, chunyan!, xiaoming!];
  const group = await call('POST', '/groups', hehua, {
    name: '周末羽毛球',
    memberIds: club.map((p) => p.id),
  });
  await call('PATCH', `/groups/${group.id}/members/${abo!.id}`, hehua, { role: 'treasurer' });
  for (const p of [hehua!, abo!, xiaoman!]) {
    await call('POST', `/groups/${group.id}/fund/contributions`, p, {
      amount: 5_000,
      note: '球费',
      ...pin,
    });
  }
  const collection = await call('POST', `/groups/${group.id}/collections`, hehua, {
    amountEach: 3_000,
    note: '场地费 12 月',
  });
  for (const p of [abo!, dashu!])
    await call('POST', `/collections/${collection.id}/payments`, p, pin);
  const equal = (payer: Person, amount: number, description: string, among: Person[]) =>
    call('POST', `/groups/${group.id}/expenses`, payer, {
      description,
      amount,
      paidBy: payer.id,
      split: { method: 'equal', participants: among.map((p) => ({ userId: p.id })) },
    });
  await equal(xiaoman!, 36_000, '羽毛球一桶', [hehua!, ...club]);
  await equal(dashu!, 18_800, '赛后火锅', [hehua!, xiaoman!, dashu!, chunyan!]);

  // A red envelope in the group, with shares still waiting to be opened.
  const packet = await call('POST', '/red-packets', hehua, {
    kind: 'lucky',
    count: 5,
    totalAmount: 8_888,
    greeting: '恭喜发财，大吉大利',
    to: { groupId: group.id },
    ...pin,
  });
  await call('POST', `/red-packets/${packet.id}/claims`, abo);

  // An IOU, accepted, with a first repayment.
  const due = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  const iou = await call('POST', '/ious', xiaoming, {
    lenderId: hehua!.id,
    amount: 50_000,
    annualRateBps: 0,
    dueDate: due,
    purpose: '交房租',
  });
  await call('POST', `/ious/${iou.id}/accept`, hehua, pin);
  await call('POST', `/ious/${iou.id}/repayments`, xiaoming, { amount: 10_000, ...pin });

  // A family link: 荷花 pays for 丽丽 up to ¥500 a month.
  await call('POST', '/family/links', hehua, {
    memberUserId: lili!.id,
    monthlyLimit: 50_000,
    relation: 'child',
    ...pin,
  });

  // Posts, two with photos (drawn here, so the demo needs no files).
  const photo = async (who: Person, colours: [string, string], label: string) => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
      <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
        <stop offset="0" stop-color="${colours[0]}"/><stop offset="1" stop-color="${colours[1]}"/>
      </linearGradient></defs>
      <rect width="800" height="600" fill="url(#g)"/>
      <circle cx="600" cy="160" r="90" fill="#ffffff" opacity="0.5"/>
      <text x="60" y="540" font-size="64" font-family="sans-serif" fill="#ffffff">${label}</text>
    </svg>`;
    const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/media',
      headers: { ...who.headers, 'content-type': 'image/jpeg' },
      payload: jpeg,
    });
    if (res.statusCode !== 201) throw new Error(`demo: photo upload answered ${res.statusCode}`);
    return res.json().id as string;
  };
  await call('POST', '/posts', xiaoman, {
    text: '周末去爬山，天气太好了！',
    mediaIds: [await photo(xiaoman!, ['#4f9d69', '#a8e6cf'], 'Xiangshan')],
  });
  await call('POST', '/posts', laowang, {
    text: '今天的晚霞',
    mediaIds: [await photo(laowang!, ['#ff7e5f', '#feb47b'], 'Sunset')],
  });
  await call('POST', '/posts', hehua, { text: '新年快乐！红包已发到羽毛球群 🧧' });

  return { status: 'seeded', logins: logins() };
}
