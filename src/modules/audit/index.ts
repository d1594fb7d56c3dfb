export { type AuditEntry, AuditLog, type AuditTarget } from './service.ts';
