import { expect } from 'vitest';
import { checkCharacter } from '../../src/modules/identity/id-number.ts';
import { api, freshPhone, type TestApp, type TestUser } from './app.ts';

// Regions under 31 (Shanghai) are this helper's (freshIdNumber uses 1101); each test process
// picks its own district, so files running at once do not hand out the same number.
const two = () => String(10 + Math.floor(Math.random() * 89));
const REGION = `31${two()}${two()}`;
let seq = 50 + Math.floor(Math.random() * 400);

/** A valid ID number with a chosen birth date (YYYYMMDD) and sex, never handed out twice here. */
export function idNumberFor(birth: string, sex: 'female' | 'male', region = REGION): string {
  seq = seq >= 449 ? 50 : seq + 1;
  // The 17th digit (last of the sequence) is odd for men, even for women.
  const s = String(seq * 2 + (sex === 'male' ? 1 : 0)).padStart(3, '0');
  const first17 = `${region}${birth}${s}`;
  return first17 + checkCharacter(first17);
}

/** A device id as a browser makes one. */
export const newDevice = () => `dev-${crypto.randomUUID()}`;

export interface Person extends TestUser {
  device: string;
}

/**
 * Someone signing up the way the web app does: with their device id, their phone proved, and
 * (unless `idNumber: null`) real-name verified with the ID number given (or a fresh one).
 */
export async function signUp(
  t: TestApp,
  opts: { device?: string; idNumber?: string | null; nickname?: string; phone?: string } = {},
): Promise<Person> {
  const { call, verifyPhone } = api(t);
  const device = opts.device ?? newDevice();
  const phone = opts.phone ?? freshPhone();
  const res = await call('POST', '/api/v1/auth/register', {
    body: { phone, password: 'correct horse', nickname: opts.nickname ?? `p${phone.slice(-4)}` },
    headers: { 'x-device-id': device },
  });
  expect(res.statusCode, res.body).toBe(201);
  const { token, user } = res.json() as { token: string; user: { id: string } };
  const me: Person = {
    id: user.id,
    token,
    phone,
    device,
    auth: { authorization: `Bearer ${token}` },
  };
  await verifyPhone(me);
  if (opts.idNumber !== null) {
    const v = await call('POST', '/api/v1/me/verification', {
      user: me,
      body: {
        realName: '测试用户',
        idNumber:
          opts.idNumber ??
          idNumberFor(
            `19${80 + Math.floor(Math.random() * 15)}0${1 + Math.floor(Math.random() * 9)}1${Math.floor(Math.random() * 9)}`,
            'male',
          ),
      },
    });
    expect(v.statusCode, v.body).toBe(200);
  }
  return me;
}

/** An operator: set-up not under test, written straight into the users table. */
export async function makeAdmin(t: TestApp, u: TestUser): Promise<TestUser> {
  await t.services.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [u.id]);
  return u;
}
