export * from './price-table';
export * from './pricing';
export * from './ledger';
