export { type BankChannel, SandboxBankChannel } from './bank-channel.ts';
export { type AllowanceAccounts, DailyAllowances } from './daily-allowance.ts';
export { walletRoutes } from './routes.ts';
export { noWalletHooks, type WalletHooks, WalletService } from './service.ts';
