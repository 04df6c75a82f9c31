export * from './blob-store';
export * from './local-blob-store';
export * from './url-signer';
