export {
  type Band,
  bandOf,
  type CreditInputs,
  IOU_LIMIT_BY_BAND,
  scoreCredit,
} from './model.ts';
export { creditRoutes } from './routes.ts';
export {
  type AuditRecord,
  CREDIT_INPUTS_CHANGED,
  type CreditAdminView,
  type CreditHistoryPoint,
  CreditService,
  type CreditView,
} from './service.ts';
