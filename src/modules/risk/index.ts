export { riskRoutes } from './routes.ts';
export { RiskService, type RuleInput } from './service.ts';
