export type { AdminAction, AuditWriter } from './audit.ts';
export * from './fairness.ts';
export { campaignRoutes } from './routes.ts';
export {
  type CampaignAction,
  CampaignService,
  type CampaignView,
  DERIVATION,
  platformCampaignCode,
  REMAINDER_RULE,
  type VerifyReport,
} from './service.ts';
