import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../test/support/fast-check.ts';
import { boundingBox, destination, haversineM } from './geo.ts';

describe('geo', () => {
  it("measures a known distance (Beijing Tiananmen to Shanghai People's Square ≈ 1067 km)", () => {
    const d = haversineM({ lat: 39.9075, lng: 116.3972 }, { lat: 31.2323, lng: 121.4737 });
    expect(d).toBeGreaterThan(1_060_000);
    expect(d).toBeLessThan(1_075_000);
  });

  it('puts every point within the radius inside the bounding box', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -80, max: 80, noNaN: true }),
        fc.double({ min: -179, max: 179, noNaN: true }),
        fc.integer({ min: 1, max: 50_000 }),
        fc.double({ min: 0, max: 360, noNaN: true }),
        (lat, lng, radius, bearing) => {
          const c = { lat, lng };
          const p = destination(c, radius, bearing);
          expect(Math.abs(haversineM(c, p) - radius)).toBeLessThan(0.01);
          const b = boundingBox(c, radius);
          expect(p.lat).toBeGreaterThanOrEqual(b.minLat);
          expect(p.lat).toBeLessThanOrEqual(b.maxLat);
          expect(p.lng).toBeGreaterThanOrEqual(b.minLng);
          expect(p.lng).toBeLessThanOrEqual(b.maxLng);
        },
      ),
    );
  });
});
