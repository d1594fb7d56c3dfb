/**
 * The endpoints of the campaign (集五福), green energy, charity farm and discovery screens, on
 * the one HTTP client in `../api.ts`.
 */
import { request, uuid } from '../api.ts';

export interface CampaignCard {
  key: string;
  name: string;
  weight: number;
  odds: number;
}

export interface Campaign {
  id: string;
  name: string;
  cards: CampaignCard[];
  totalWeight: number;
  startsAt: string;
  drawAt: string;
  poolAmount: number;
  currency: string;
  drawsPerDay: number;
  extraDraws: { payment: number; scan: number; giftReceived: number };
  status: 'open' | 'drawn';
  seedHash: string;
  derivation: string;
  seed?: string;
  result?: {
    winners: number;
    sets: number;
    shareAmount: number;
    remainder: number;
    remainderRule: string;
  };
}

export interface MyCampaign {
  cards: Record<string, number>;
  drawsLeftToday: number;
  complete: boolean;
  sets: number;
  draws: { drawNumber: number; card: string }[];
}

export interface Drawn {
  card: string;
  cardName: string;
  drawNumber: number;
  drawsLeftToday: number;
}

export interface EnergyBall {
  id: string;
  amount: number;
  category: string;
  ripensAt: string;
  ripe: boolean;
  collectedByMe?: boolean;
}

export interface Tree {
  id: string;
  number: number;
  certificate: string;
  species: string;
  speciesName: string;
  cost: number;
  plantedAt: string;
}

export interface Energy {
  total: number;
  lifetime: number;
  balls: EnergyBall[];
  trees: Tree[];
  species: { key: string; name: string; cost: number }[];
}

export interface LeaderboardRow {
  rank: number;
  userId: string;
  nickname: string;
  energy: number;
  trees: number;
  me: boolean;
}

export interface Farm {
  feed: number;
  eggs: number;
  eggsLaid: number;
  eggsDonated: number;
  hen: { hungryAt: string | null; eating: boolean };
  feedPerMeal: number;
}

export interface CharityProject {
  id: string;
  name: string;
  description: string;
  sponsor: string;
  pledgePerEgg: number;
  currency: string;
  eggsDonated: number;
  amountDonated: number;
}

export type Reason = 'interest' | 'nearby' | 'trusted_voice' | 'friend' | 'popular';

export interface DiscoveryItem {
  kind: string;
  id: string;
  score: number;
  reasons: Reason[];
  distanceM?: number;
  post?: {
    id: string;
    author: { userId: string; nickname: string };
    text: string;
    location?: { lat: number; lng: number };
    likeCount?: number;
    commentCount?: number;
    createdAt: string;
  };
  circle?: { id: string; name: string; description: string; tags: string[]; memberCount: number };
  merchant?: {
    id: string;
    name: string;
    category: string;
    address: string;
    rating: { average: number | null; count: number };
  };
}

const DEVICE_KEY = 'hebao.deviceId';

/**
 * This browser's stable device id (API.md, Devices): campaigns count the accounts that collect
 * from one device. The devices module's own id replaces this one once it is merged.
 */
export function deviceId(): string {
  try {
    const saved = localStorage.getItem(DEVICE_KEY);
    if (saved && saved.length >= 8) return saved;
    const fresh = `web-${uuid()}`;
    localStorage.setItem(DEVICE_KEY, fresh);
    return fresh;
  } catch {
    return `web-${uuid()}`;
  }
}

const enc = encodeURIComponent;

export const campaignsApi = {
  campaigns: () => request<{ items: Campaign[] }>('GET', '/campaigns'),
  campaign: (id: string) => request<Campaign>('GET', `/campaigns/${enc(id)}`),
  mine: (id: string) => request<MyCampaign>('GET', `/campaigns/${enc(id)}/me`),
  draw: (id: string) =>
    request<Drawn>('POST', `/campaigns/${enc(id)}/draws`, {
      body: {},
      idempotencyKey: uuid(),
      headers: { 'x-device-id': deviceId() },
    }),
  gift: (id: string, body: { toUserId: string; cardKey: string }) =>
    request<{ id: string }>('POST', `/campaigns/${enc(id)}/gifts`, {
      body,
      idempotencyKey: uuid(),
    }),

  energy: () => request<Energy>('GET', '/energy'),
  friendEnergy: (userId: string) =>
    request<{ balls: EnergyBall[] }>('GET', `/users/${enc(userId)}/energy`),
  collect: (ballId: string) =>
    request<{ collected: number; total: number }>('POST', `/energy/balls/${enc(ballId)}/collect`, {
      body: {},
    }),
  collectFromFriend: (userId: string, ballId: string) =>
    request<{ collected: number; total: number }>(
      'POST',
      `/users/${enc(userId)}/energy/balls/${enc(ballId)}/collect`,
      { body: {} },
    ),
  plant: (species: string) => request<Tree>('POST', '/energy/trees', { body: { species } }),
  leaderboard: () => request<{ items: LeaderboardRow[] }>('GET', '/energy/leaderboard'),

  farm: () => request<Farm>('GET', '/farm'),
  feed: () => request<Farm>('POST', '/farm/feedings', { body: {} }),
  projects: () => request<{ items: CharityProject[] }>('GET', '/charity/projects'),
  donate: (projectId: string, eggs: number) =>
    request<{ eggs: number; amount: number; currency: string }>(
      'POST',
      `/charity/projects/${enc(projectId)}/donations`,
      { body: { eggs }, idempotencyKey: uuid() },
    ),

  discover: (kind: 'posts' | 'circles' | 'merchants', near?: string) =>
    request<{ items: DiscoveryItem[] }>('GET', '/discover', { query: { kind, near } }),
};
