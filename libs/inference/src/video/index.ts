export * from './animated-image';
export * from './mp4-encoder';
export * from './video-output';
