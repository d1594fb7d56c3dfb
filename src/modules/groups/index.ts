export { groupRoutes } from './routes.ts';
export {
  type GroupMember,
  type GroupRole,
  type GroupSummary,
  GroupsService,
  type GroupView,
} from './service.ts';
