export * from './entry-rules.ts';
export { circleCommentTarget, circlePostTarget, circleTarget } from './report-targets.ts';
export { circleRoutes } from './routes.ts';
export { type CircleDeps, CircleService, type CircleView } from './service.ts';
