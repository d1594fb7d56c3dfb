export { type BankChannel, SandboxBankChannel } from './bank-channel.ts';
export {
  type AllowanceAccounts,
  allowanceAdjustment,
  DailyAllowances,
  PeriodAllowances,
  periodKey,
} from './daily-allowance.ts';
export { legRefusal, type RefusalWords, transferRefusal } from './refusal.ts';
export { walletRoutes } from './routes.ts';
export {
  type Caller,
  noWalletHooks,
  type TransferInput,
  type TransferView,
  type WalletHooks,
  WalletService,
} from './service.ts';
