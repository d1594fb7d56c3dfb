export { energyRoutes } from './routes.ts';
export {
  type EnergyCategory,
  EnergyService,
  energyCategory,
  energyFor,
  friendShare,
  type TreeCertificate,
} from './service.ts';
