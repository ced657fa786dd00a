// The shipped catalogue: every model foliocheck ships, listed by foliocheck.config.json (the
// package config), loaded by the CLI through src/registry.ts and imported by the tests.
import type { AnyModel } from '../src/index.js';
import bench from './bench.js';
import directMapGupFast from './direct-map-gup-fast.js';
import directMapKvmCr3 from './direct-map-kvm-cr3.js';
import directMapRestore from './direct-map-restore.js';
import exclusiveGup from './exclusive-gup.js';
import guestMemfdConversions from './guest-memfd-conversions.js';
import guestMemfdFlags from './guest-memfd-flags.js';
import guestMemfdInplace from './guest-memfd-inplace.js';
import guestMemfdMainline from './guest-memfd-mainline.js';
import guestMemfdV1 from './guest-memfd-v1.js';
import guestMemfdV1Binding from './guest-memfd-v1-binding.js';
import guestMemfdV1Punch from './guest-memfd-v1-punch.js';
import gunyahLongtermPin from './gunyah-longterm-pin.js';
import hugeFolioMixed from './huge-folio-mixed.js';
import iommuSplit from './iommu-split.js';
import lockOrder from './lock-order.js';
import memfdSealGuest from './memfd-seal-guest.js';
import pkvmShare from './pkvm-share.js';
import qemuVfioConversion from './qemu-vfio-conversion.js';
import snpDirectmap from './snp-directmap.js';
import snpReclaim from './snp-reclaim.js';
import tdxPoison from './tdx-poison.js';

export const models: readonly AnyModel[] = [
  guestMemfdInplace,
  gunyahLongtermPin,
  guestMemfdFlags,
  guestMemfdV1,
  guestMemfdV1Punch,
  guestMemfdV1Binding,
  qemuVfioConversion,
  iommuSplit,
  memfdSealGuest,
  exclusiveGup,
  hugeFolioMixed,
  pkvmShare,
  directMapRestore,
  directMapGupFast,
  directMapKvmCr3,
  snpDirectmap,
  tdxPoison,
  snpReclaim,
  lockOrder,
  guestMemfdMainline,
  guestMemfdConversions,
  bench,
];
