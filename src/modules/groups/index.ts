export {
  type CollectionPayment,
  CollectionService,
  type CollectionStatus,
  type CollectionSummary,
  type CollectionView,
} from './collections.ts';
export { ExpenseService, type ExpenseView, type GroupBalances } from './expenses.ts';
export { expenseRoutes } from './expenses-routes.ts';
export { type FundEntry, type FundView, GroupFundService } from './fund.ts';
export type { GroupMoneyDeps, NoteScreen } from './money.ts';
export { groupRoutes } from './routes.ts';
export {
  type GroupMember,
  type GroupRole,
  type GroupSummary,
  type GroupsDeps,
  GroupsService,
  type GroupView,
  isManager,
} from './service.ts';
