import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  coarseDistance,
  coarsePlace,
  distanceM,
  rankCandidates,
  topicsOf,
  trustScore,
} from './rank.ts';

const base: Candidate<null> = {
  id: 'x',
  kind: 'post',
  topics: [],
  authorTrust: 0,
  byFriend: false,
  friendEngagement: 0,
  engagement: 0,
  ageHours: 1,
  payload: null,
};

describe('the discovery ranking', () => {
  it('works with no friends: interest, trusted voices and nearby rank items, each with reasons', () => {
    const here = { lat: 30.26, lng: 120.16 };
    const ranked = rankCandidates(
      [
        { ...base, id: 'off-topic' },
        { ...base, id: 'on-topic', topics: ['骑行'] },
        { ...base, id: 'trusted', authorTrust: 0.9 },
        { ...base, id: 'near', location: { lat: 30.261, lng: 120.161 } },
      ],
      { interests: new Map([['骑行', 3]]), near: here },
    );
    expect(ranked[0]!.candidate.id).toBe('on-topic');
    expect(ranked[0]!.reasons[0]).toBe('interest');
    expect(ranked.find((r) => r.candidate.id === 'trusted')!.reasons).toContain('trusted_voice');
    expect(ranked.find((r) => r.candidate.id === 'near')!.reasons).toContain('nearby');
    expect(ranked.at(-1)!.candidate.id).toBe('off-topic');
    expect(ranked.every((r) => r.reasons.length > 0 && !r.reasons.includes('friend'))).toBe(true);
  });

  it('treats a friend as one signal: a friend’s off-topic post does not beat an on-topic one', () => {
    const ranked = rankCandidates(
      [
        { ...base, id: 'friend', byFriend: true },
        { ...base, id: 'interest', topics: ['hiking'] },
      ],
      { interests: new Map([['hiking', 1]]) },
    );
    expect(ranked.map((r) => r.candidate.id)).toEqual(['interest', 'friend']);
    expect(ranked[1]!.reasons).toEqual(['friend']);
  });

  it('always gives reasons, is deterministic, and never returns more than asked', () => {
    const candidate = fc.record({
      id: fc.uuid(),
      topics: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
      authorTrust: fc.double({ min: 0, max: 1, noNaN: true }),
      byFriend: fc.boolean(),
      friendEngagement: fc.nat({ max: 5 }),
      engagement: fc.nat({ max: 1000 }),
      ageHours: fc.double({ min: 0, max: 1000, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(candidate, { maxLength: 40 }),
        fc.integer({ min: 1, max: 20 }),
        (cs, limit) => {
          const cands = cs.map((c) => ({ ...base, ...c }));
          const viewer = { interests: new Map([['a', 2]]) };
          const once = rankCandidates(cands, viewer, { limit });
          const twice = rankCandidates([...cands].reverse(), viewer, { limit });
          expect(once.length).toBe(Math.min(limit, cands.length));
          expect(once.map((r) => r.candidate.id)).toEqual(twice.map((r) => r.candidate.id));
          for (const r of once) expect(r.reasons.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('places', () => {
  it('are shown to about 100 m and distances to the nearest 100 m', () => {
    const p = { lat: 30.259_624, lng: 120.215_531 };
    const shown = coarsePlace(p);
    expect(shown).toEqual({ lat: 30.26, lng: 120.216 });
    expect(distanceM(p, shown)).toBeLessThan(80);
    expect(coarseDistance(1234)).toBe(1200);
    expect(Math.round(distanceM({ lat: 0, lng: 0 }, { lat: 1, lng: 0 }))).toBe(111_195);
  });
});

describe('trusted voices and topics', () => {
  it('need a record: a new or reported author is not a trusted voice', () => {
    const record = { memberDays: 365, verified: true, posts: 10, engagement: 60, upheldReports: 0 };
    expect(trustScore(record)).toBeCloseTo(1);
    expect(trustScore({ ...record, posts: 2 })).toBe(0);
    expect(trustScore({ ...record, upheldReports: 2 })).toBeLessThan(0.6);
    expect(trustScore({ ...record, verified: false, memberDays: 10 })).toBeLessThan(0.6);
  });

  it('come from hashtags and words, Chinese included', () => {
    expect(topicsOf('周末骑行去龙井 #骑行 hiking')).toEqual(
      expect.arrayContaining(['骑行', '周末', '龙井', 'hiking']),
    );
    expect(topicsOf('the and 12345')).toEqual([]);
  });
});
