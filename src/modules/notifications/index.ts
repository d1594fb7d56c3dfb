export { notificationRoutes } from './routes.ts';
export { type Notification, NotificationService } from './service.ts';
