export * from './codes.ts';
export * from './policy-document.ts';
export * from './revocation-table.ts';
export * from './plan.ts';
export * from './protected.ts';
export * from './breaker.ts';
export * from './retry.ts';
export * from './restore.ts';
