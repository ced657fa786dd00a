// The registry of shipped models: the CLI, `npm start` and the tests read this list.
import type { AnyModel } from '../src/model.js';
import bench from './bench.js';
import exclusiveGup from './exclusive-gup.js';
import guestMemfdInplace from './guest-memfd-inplace.js';
import hugeFolioMixed from './huge-folio-mixed.js';
import gunyahLongtermPin from './gunyah-longterm-pin.js';
import memfdSealGuest from './memfd-seal-guest.js';
import pkvmShare from './pkvm-share.js';

export const models: readonly AnyModel[] = [
  guestMemfdInplace,
  gunyahLongtermPin,
  memfdSealGuest,
  exclusiveGup,
  hugeFolioMixed,
  pkvmShare,
  bench,
];
