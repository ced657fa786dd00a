// address_space flags (include/linux/pagemap.h enum mapping_flags, 6.10/6.11 numbering) and
// the two ways code has read and written them: as bit numbers (set_bit/test_bit, what the
// enum is) or as masks (`flags |= AS_X`, `flags & AS_X`, the c72ceafbd12c / 1d23040caa8b
// bug fixed by 27e6a24a4cf3 "mm, virt: merge AS_UNMOVABLE and AS_INACCESSIBLE": "AS_INACCESSIBLE
// was used as a bit mask, despite it being just a bit index ... its bit representation (1010)
// corresponded to setting AS_UNEVICTABLE (which is already set) and AS_ENOSPC").
// Sources: include/linux/pagemap.h (mapping_set_unevictable, mapping_set_unmovable,
// mapping_set_inaccessible), mm/truncate.c truncate_inode_partial_folio(), the 27e6a24a4cf3
// posting (Paolo Bonzini, 11 Jul 2024, kvm@ and linux-mm@).

/** Bit numbers of enum mapping_flags (6.10/6.11: before 27e6a24a4cf3 folded AS_UNMOVABLE away). */
export const AS_ENOSPC = 1;
export const AS_UNEVICTABLE = 3;
export const AS_UNMOVABLE = 9;
export const AS_INACCESSIBLE = 10;

/** How code uses an AS_* constant: as the bit number it is, or (wrongly) as a mask. */
export type FlagUse = 'bit' | 'mask';

/** `flags` after setting AS_* constant `flag` the way `use` does. */
export function setFlag(flags: number, flag: number, use: FlagUse): number {
  return use === 'bit' ? flags | (1 << flag) : flags | flag;
}

/** Whether `flags` has AS_* constant `flag`, tested the way `use` does. */
export function testFlag(flags: number, flag: number, use: FlagUse): boolean {
  return use === 'bit' ? (flags & (1 << flag)) !== 0 : (flags & flag) !== 0;
}

/** mapping_set_unevictable(): shmem_lock() (SHM_LOCK), ramfs, secretmem. */
export const unevictable = (flags: number): number => setFlag(flags, AS_UNEVICTABLE, 'bit');

/** mapping_set_unmovable() (6.8-6.10): sets AS_UNEVICTABLE and AS_UNMOVABLE. */
export const unmovable = (flags: number): number =>
  setFlag(setFlag(flags, AS_UNEVICTABLE, 'bit'), AS_UNMOVABLE, 'bit');

/** mapping_set_inaccessible() (27e6a24a4cf3): sets AS_UNEVICTABLE and AS_INACCESSIBLE. */
export const inaccessible = (flags: number): number =>
  setFlag(setFlag(flags, AS_UNEVICTABLE, 'bit'), AS_INACCESSIBLE, 'bit');
