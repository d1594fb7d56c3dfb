export { BanService, type BanView } from './bans.ts';
export { redPacketTarget, userTarget } from './core-targets.ts';
export {
  REPORT_REASONS,
  type ReportReason,
  type ReviewItem,
  ReviewService,
  type Target,
} from './reviews.ts';
export { safetyRoutes } from './routes.ts';
export { type ReportTargetHandler, ReportTargets, type TargetInfo } from './targets.ts';
