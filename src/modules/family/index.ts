export { familyRoutes } from './routes.ts';
export {
  type FamilyFunding,
  type FamilyLinkStatus,
  type FamilyLinkView,
  type FamilyPaymentView,
  type FamilyRelation,
  FamilyService,
} from './service.ts';
