// Entry point of `pulumi up` (Pulumi.yaml): reads and validates the stack config, declares the platform,
// exports its URLs and pools.
import { readStackConfig } from './config';
import { createDarkroomStack } from './stack';

const stack = createDarkroomStack(readStackConfig());

export const apiUrl = stack.outputs.apiUrl;
export const dashboardUrl = stack.outputs.dashboardUrl;
export const poolNames = stack.outputs.poolNames;
export const pools = stack.outputs.pools;
export const managedNodeGroups = stack.outputs.managedNodeGroups;
