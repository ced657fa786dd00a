// The property library, `foliocheck/properties`: the named invariants and progress
// properties of the shipped models (isolation, mobility, conversion progress, lock order,
// platform faults ...), for models in any tree. Every file is exported flat and as a
// namespace named after it.

export * from './conversion.js';
export * from './convertProgress.js';
export * from './directMap.js';
export * from './gmemShare.js';
export * from './guestMemfd.js';
export * from './iommuConversion.js';
export * from './isolation.js';
export * from './kernelAccess.js';
export * from './lockOrder.js';
export * from './mobility.js';
export * from './platform.js';
export * from './reclaim.js';

export * as conversion from './conversion.js';
export * as convertProgress from './convertProgress.js';
export * as directMap from './directMap.js';
export * as gmemShare from './gmemShare.js';
export * as guestMemfd from './guestMemfd.js';
export * as iommuConversion from './iommuConversion.js';
export * as isolation from './isolation.js';
export * as kernelAccess from './kernelAccess.js';
export * as lockOrder from './lockOrder.js';
export * as mobility from './mobility.js';
export * as platform from './platform.js';
export * as reclaim from './reclaim.js';
