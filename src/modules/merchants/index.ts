export { type AuditEntry, type AuditWriter, EscrowService } from './escrow.ts';
export { LocalLifeService, reviewReportTarget } from './local.ts';
export { merchantRoutes } from './routes.ts';
export { MerchantService } from './service.ts';
