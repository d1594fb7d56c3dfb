/**
 * Distances on the earth for the nearby search: haversine on a sphere of the mean radius, and
 * the latitude/longitude box that holds every point within a radius (what the GiST index
 * answers before the exact distance filters). The SQL in nearby.ts computes the same formula.
 */
export const EARTH_RADIUS_M = 6_371_008.8;

const rad = (deg: number) => (deg * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

export interface LatLng {
  lat: number;
  lng: number;
}

/** Great-circle distance in metres. */
export function haversineM(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * A box that contains every point within `radiusM` of `c` (a little more, never less). Near a
 * pole, or when the radius spans the antimeridian, the box widens to every longitude.
 */
export function boundingBox(c: LatLng, radiusM: number) {
  const dLat = deg(radiusM / EARTH_RADIUS_M) * 1.000001;
  const minLat = Math.max(-90, c.lat - dLat);
  const maxLat = Math.min(90, c.lat + dLat);
  const widest = Math.max(Math.abs(minLat), Math.abs(maxLat));
  if (widest >= 89.9) return { minLat, maxLat, minLng: -180, maxLng: 180 };
  // The circle is widest in longitude at its own latitude extremes' cosine, bounded by asin.
  const ratio = Math.sin(radiusM / EARTH_RADIUS_M) / Math.cos(rad(c.lat));
  if (ratio >= 1) return { minLat, maxLat, minLng: -180, maxLng: 180 };
  const dLng = deg(Math.asin(ratio)) * 1.000001;
  const minLng = c.lng - dLng;
  const maxLng = c.lng + dLng;
  if (minLng < -180 || maxLng > 180) return { minLat, maxLat, minLng: -180, maxLng: 180 };
  return { minLat, maxLat, minLng, maxLng };
}

/** A point `distanceM` from `c` along `bearingDeg` (0 = north): for tests and the bench. */
export function destination(c: LatLng, distanceM: number, bearingDeg: number): LatLng {
  const d = distanceM / EARTH_RADIUS_M;
  const b = rad(bearingDeg);
  const lat1 = rad(c.lat);
  const lng1 = rad(c.lng);
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lng2 =
    lng1 +
    Math.atan2(
      Math.sin(b) * Math.sin(d) * Math.cos(lat1),
      Math.cos(d) - Math.sin(lat1) * Math.sin(lat2),
    );
  return { lat: deg(lat2), lng: ((deg(lng2) + 540) % 360) - 180 };
}
