export { notificationRoutes } from './routes.ts';
export { type Notification, type NotificationRow, NotificationService } from './service.ts';
