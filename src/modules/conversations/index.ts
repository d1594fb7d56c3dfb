export { ConversationLive } from './live.ts';
export { MOMENT_WRITER, type Moment, MoneyMoments, noMoments } from './moments.ts';
export { MESSAGE_TARGET, messageTarget } from './report-target.ts';
export { conversationRoutes } from './routes.ts';
export { type ConversationDeps, ConversationService, type MessageScreen } from './service.ts';
export {
  directConversationId,
  insertMoments,
  MESSAGE_CHANNEL,
  type MessageView,
  type MomentRow,
  type ReviewableMessage,
} from './store.ts';
