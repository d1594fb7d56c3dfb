export { type BankChannel, SandboxBankChannel } from './bank-channel.ts';
export {
  type AllowanceAccounts,
  allowanceAdjustment,
  DailyAllowances,
  PeriodAllowances,
  periodKey,
} from './daily-allowance.ts';
export {
  type Authorization,
  type Effects,
  type PasskeyAssertion,
  type PaymentParty,
  PaymentPipeline,
  type RiskHook,
  type RiskInput,
} from './pipeline.ts';
export { legRefusal, type RefusalWords, transferRefusal } from './refusal.ts';
export { walletRoutes } from './routes.ts';
export {
  type Caller,
  FEED_PAYMENT_TOPIC,
  type FeedPayment,
  feedPayment,
  noWalletHooks,
  type TransferInput,
  type TransferMoment,
  type TransferView,
  type WalletHooks,
  WalletService,
} from './service.ts';
