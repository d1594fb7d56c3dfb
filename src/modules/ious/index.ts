export { iouRoutes } from './routes.ts';
export {
  IouService,
  type IouStatus,
  type IouSummary,
  type IouView,
  type PurposeScreen,
} from './service.ts';
