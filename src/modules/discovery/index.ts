export * from './rank.ts';
export { discoveryRoutes } from './routes.ts';
export {
  type CandidateSource,
  type DiscoveredPost,
  type DiscoveryItem,
  DiscoveryService,
  type InterestSource,
  parseNear,
} from './service.ts';
