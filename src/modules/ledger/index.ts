export type { BatchEffects, BatchRow, BatchWriter } from './group-commit.ts';
export { type AccountSpec, Ledger, newTransferId, transferIdFor } from './ledger.ts';

export { ledgerRoutes } from './routes.ts';
export * from './types.ts';
export type { VerifyProblem, VerifyReport } from './verify.ts';
