export { redPacketRoutes } from './routes.ts';
export {
  allowEveryGreeting,
  type GreetingScreen,
  type GreetingVerdict,
  RedPacketService,
  type RedPacketView,
  type SentRedPacket,
} from './service.ts';
export { luckiestClaimer, type RandomInt, splitFixed, splitLucky } from './split.ts';
