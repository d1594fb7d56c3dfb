export { familyRoutes } from './routes.ts';
export {
  type FamilyLinkStatus,
  type FamilyLinkView,
  type FamilyPaymentView,
  type FamilyRelation,
  FamilyService,
} from './service.ts';
