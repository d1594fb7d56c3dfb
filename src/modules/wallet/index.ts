export { type BankChannel, SandboxBankChannel } from './bank-channel.ts';
export { walletRoutes } from './routes.ts';
export { WalletService } from './service.ts';
