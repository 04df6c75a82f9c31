export * from './t5-tokenizer';
export * from './ella-plan';
export * from './ella-conditioning';
