// The machine library, `foliocheck/machines`: XState machines of pages, folios, locks,
// actors and the KVM/IOMMU/platform objects the shipped models are built from, for models
// in any tree. Every file is exported flat and as a namespace named after it (`locks`,
// `kvmVm`, ...); each is also importable alone as `foliocheck/machines/<file>`. Where two
// files export the same name, the flat export is kvmVm's (`memslotMachine`, `MemslotEvent`:
// a KVM memslot) and the other is reached through its namespace (`locks.memslotMachine`:
// the SRCU-protected memslot of the lock-order model).

export * from './actor.js';
export * from './directMap.js';
export * from './folio.js';
export * from './frame.js';
export * from './gmemContents.js';
export * from './gmemFile.js';
export * from './gmemPage.js';
export * from './gmemProperties.js';
export * from './gmemShare.js';
export * from './gmemWorld.js';
export * from './invalidateLock.js';
export * from './iommuArea.js';
export * from './kvmCpu.js';
export * from './kvmMmu.js';
export * from './kvmVm.js';
export * from './locks.js';
export * from './mapping.js';
export * from './page.js';
export * from './platform.js';
export * from './qemuConversion.js';
export * from './routedActor.js';
export * from './stage2.js';
export * from './vfioDma.js';
export { memslotMachine, type MemslotEvent } from './kvmVm.js';

export * as actor from './actor.js';
export * as directMap from './directMap.js';
export * as folio from './folio.js';
export * as frame from './frame.js';
export * as gmemContents from './gmemContents.js';
export * as gmemFile from './gmemFile.js';
export * as gmemPage from './gmemPage.js';
export * as gmemProperties from './gmemProperties.js';
export * as gmemShare from './gmemShare.js';
export * as gmemWorld from './gmemWorld.js';
export * as invalidateLock from './invalidateLock.js';
export * as iommuArea from './iommuArea.js';
export * as kvmCpu from './kvmCpu.js';
export * as kvmMmu from './kvmMmu.js';
export * as kvmVm from './kvmVm.js';
export * as locks from './locks.js';
export * as mapping from './mapping.js';
export * as page from './page.js';
export * as platform from './platform.js';
export * as qemuConversion from './qemuConversion.js';
export * as routedActor from './routedActor.js';
export * as stage2 from './stage2.js';
export * as vfioDma from './vfioDma.js';
