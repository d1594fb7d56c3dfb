export { farmRoutes } from './routes.ts';
export {
  FarmService,
  type FarmView,
  type ProjectView,
  settleFarm,
  sponsorCode,
} from './service.ts';
