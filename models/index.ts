// The registry of shipped models: the CLI, `npm start` and the tests read this list.
import type { AnyModel } from '../src/model.js';
import bench from './bench.js';
import directMapRemoval from './direct-map-removal.js';
import guestMemfdFlags from './guest-memfd-flags.js';
import guestMemfdInplace from './guest-memfd-inplace.js';
import gunyahLongtermPin from './gunyah-longterm-pin.js';
import lockOrder from './lock-order.js';
import snpTdxPlatform from './snp-tdx-platform.js';

export const models: readonly AnyModel[] = [
  guestMemfdInplace,
  gunyahLongtermPin,
  directMapRemoval,
  snpTdxPlatform,
  lockOrder,
  guestMemfdFlags,
  bench,
];
