export * from './pix2pix-plan';
export * from './pix2pix-guidance';
