export * from './adetailer-params';
export * from './adetailer-masks';
export * from './adetailer-run';
export * from './region-inpaint';
