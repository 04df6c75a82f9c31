export * from './detection-box';
export * from './blazeface-anchors';
export * from './blazeface-detector';
export * from './weighted-nms';
export * from './box-masks';
export * from './mask-morphology';
export * from './mask-merge';
export * from './detector-catalogue';
