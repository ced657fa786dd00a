// The registry of shipped models: the CLI, `npm start` and the tests read this list.
import type { AnyModel } from '../src/model.js';
import bench from './bench.js';
import guestMemfdConversions from './guest-memfd-conversions.js';
import guestMemfdInplace from './guest-memfd-inplace.js';
import guestMemfdMainline from './guest-memfd-mainline.js';
import gunyahLongtermPin from './gunyah-longterm-pin.js';

export const models: readonly AnyModel[] = [
  guestMemfdInplace,
  gunyahLongtermPin,
  bench,
  guestMemfdMainline,
  guestMemfdConversions,
];
