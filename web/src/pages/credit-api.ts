/** The credit score endpoints (API.md, "Credit score (信用分)"). */
import { type Page, request } from '../api.ts';

export type CreditBand = 'poor' | 'fair' | 'good' | 'very_good' | 'excellent';
export type CreditDimension = 'identity' | 'behaviour' | 'connections' | 'history' | 'capacity';

export interface Credit {
  score: number;
  band: CreditBand;
  updatedAt: string;
  factors: { dimension: CreditDimension; score: number; weight: number }[];
  reasons: { code: string; text: string; impact: number }[];
  tips: string[];
}

export interface CreditPoint {
  score: number;
  band: CreditBand;
  computedAt: string;
}

export const creditApi = {
  credit: () => request<Credit>('GET', '/me/credit'),
  history: () => request<Page<CreditPoint>>('GET', '/me/credit/history', { query: { limit: 100 } }),
};
