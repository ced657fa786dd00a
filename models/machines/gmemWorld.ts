// The world events shared by the conformance models of guest_memfd (mainline and
// in-place conversion): each is one ioctl, syscall or memory access of the VMM, the host,
// a forked child or the guest, named as conformance scenarios name them (src/conform), and
// annotated with the kernel function it stands for. Event arguments are the words scenarios
// write (sizes as P multiples, flag names); machine events carry the decoded numbers.
//
// Machines: vm0 (and vm1) — a VM and its fd (models/machines/kvmVm.ts); slot0.. — the
// memslot ids of VM 0 (vm1slot0 for VM 1); fd0.. — fd slots holding a guest_memfd
// (gmemFile.ts); page0.. — GFN i and index i of fd 0's file (gmemContents.ts).
//
// Two alphabets: the design alphabet (selftest=0) has only the operations that move state
// with well-formed arguments, at a small geometry (memslots of the whole file at GFN 0 or
// just above the file's GFNs, offsets 0 or P); the selftests' alphabet (selftest=1) adds
// malformed arguments, every geometry up to twice the file's GFNs, fstat, capabilities,
// read/write on the fd, madvise, mbind and a forked child.
import {
  worldEvent,
  range,
  type MachineEvent,
  type MachineInstance,
  type Participant,
  type WorldEventSpec,
} from '../../src/index.js';
import { bytesOf, gmemFileMachine, P } from './gmemFile.js';
import { gmemContentsMachine } from './gmemContents.js';
import { kvmVmMachine, memslotMachine } from './kvmVm.js';

export interface GmemWorldOptions {
  readonly pages: number;
  readonly files: number;
  readonly vms: number;
  /** Memslot ids of VM 0 (VM 1 has one). */
  readonly slots: number;
  /** Pages of a PMD (the size word `PMD`; a 2 MiB PMD scaled down). */
  readonly pmd: number;
  /** Data tags writers may store (the contents domain besides zero). */
  readonly values: readonly string[];
  /** Create flags tried as raw bits 1<<0 .. 1<<(flagBits-1). */
  readonly flagBits: number;
  /** Unsupported memslot flag bits tried: 1<<3 .. 1<<(2+regionBits). */
  readonly regionBits: number;
  /**
   * The selftests' full alphabet: also malformed arguments (unaligned sizes and offsets, bad
   * fds, unknown modes), every memslot geometry, fstat, capability queries, read/write on
   * the fd, madvise and a forked child. Off for design checks, which need only the
   * operations that move pages.
   */
  readonly selftest: boolean;
  readonly privateMem: boolean;
  readonly initSharedOk: boolean;
  /** INPLACE: attributes live in guest_memfd per page; conversion is a gmem ioctl. */
  readonly inplace: boolean;
}

export const fileId = (f: number): string => `fd${f}`;
export const pageId = (i: number): string => `page${i}`;
export const vmId = (v: number): string => `vm${v}`;
export const slotId = (v: number, s: number): string => (v === 0 ? `slot${s}` : `vm${v}slot${s}`);
/** The code a file's bindings record for memslot s of VM v (0 is "unbound"). */
export const slotCode = (v: number, s: number): number => v * 4 + s + 1;
/** Memslot ids of VM v. */
export const vmSlots = (o: Pick<GmemWorldOptions, 'slots'>, v: number): number => (v === 0 ? o.slots : 1);

/** The fd's file has a mapping covering page i (the context of a gmemFile snapshot). */
const mapped = (c: unknown, i: number): boolean => (c as { map: number }).map > i;
const pageWord = (n: number): string => (n === 0 ? '0' : n === 1 ? 'P' : `${n}P`);
const uniq = (words: readonly string[]): string[] => [...new Set(words)];

export function gmemWorld(o: GmemWorldOptions): { machines: MachineInstance[]; events: WorldEventSpec[] } {
  const events: WorldEventSpec[] = [];
  const pages = range(o.pages);
  const bad = (words: readonly string[]): readonly string[] => (o.selftest ? words : []);
  const pmdFits = o.selftest && o.pmd <= o.pages;
  /** Bytes of a size word; `PMD` is `pmd` pages. */
  const bytes = (word: string): number => (word === 'PMD' ? o.pmd * P : bytesOf(word));
  const { gate, follow } = alphabet(o);

  for (const cap of bad(['GUEST_MEMFD_FLAGS', 'MEMORY_ATTRIBUTES']))
    events.push(
      worldEvent('vmm', 'check_extension', { cap }, [{ machine: vmId(0), event: { type: 'cap', cap } }], {
        kernel: 'KVM_CHECK_EXTENSION on the VM fd (kvm_vm_ioctl_check_extension_generic)',
      }),
    );

  const sizes = uniq([
    ...bad(['1', '2048', 'P-1']),
    ...range(o.pages).map((k) => pageWord(k + 1)),
    ...(pmdFits ? ['PMD'] : []),
  ]);
  const flags = uniq([
    ...bad(['0', 'INIT_SHARED']),
    'MMAP',
    'MMAP|INIT_SHARED',
    ...range(o.flagBits).map((b) => `1<<${b}`),
  ]);
  for (const f of range(o.files)) {
    for (const vm of range(o.vms))
      for (const size of sizes)
        for (const fl of flags) {
          const mmap = fl.split('|').some((w) => w === 'MMAP' || w === '1<<0');
          const shared = fl.split('|').some((w) => w === 'INIT_SHARED' || w === '1<<1');
          const attr = o.inplace ? (shared ? 'shared' : 'private') : 'keep';
          const args = o.vms > 1 ? { fd: f, size, flags: fl, vm } : { fd: f, size, flags: fl };
          events.push(
            worldEvent(
              'vmm',
              'create',
              args,
              [
                gate(vmId(vm), { type: 'ioctl' }),
                follow(fileId(f), { type: 'create', size: bytes(size), flags: fl, vm }),
                // Create may refuse (EINVAL) in any alphabet: the VM and the pages see the outcome.
                { machine: vmId(vm), event: { type: 'getRef', fd: f }, prior: true },
                ...(f === 0 ? pages.map((i) => page(i, { type: 'reset', mmap, attr })) : []),
              ],
              { kernel: 'KVM_CREATE_GUEST_MEMFD: kvm_gmem_create() → __kvm_gmem_create(), kvm_get_kvm()' },
            ),
          );
        }
    events.push(
      worldEvent(
        'vmm',
        'close',
        { fd: f },
        [gate(fileId(f), { type: 'close' }, true), ...releaseFollowers(o, f)],
        {
          kernel:
            'close(fd): the last fput runs kvm_gmem_release() (slots_lock, filemap_invalidate_lock; kvm_put_kvm())',
        },
      ),
    );
    for (const field of bad(['size', 'blksize', 'ino']))
      events.push(
        worldEvent(
          'host',
          'fstat',
          { fd: f, field },
          [{ machine: fileId(f), event: { type: 'fstat', field } }],
          {
            kernel: 'fstat(fd) (simple_getattr on the guest_memfd inode)',
          },
        ),
      );
    for (const op of bad(['read', 'write', 'pread', 'pwrite']))
      events.push(
        worldEvent('host', op, { fd: f }, [{ machine: fileId(f), event: { type: 'fileio' } }], {
          kernel: `${op}(fd): no .read_iter/.write_iter in kvm_gmem_fops (vfs_${op.replace(/^p/, '')})`,
        }),
      );
  }
  for (const v of range(o.vms))
    if (v === 0 || o.selftest)
      events.push(
        worldEvent(
          'vmm',
          'close_vm',
          o.vms > 1 ? { vm: v } : {},
          [gate(vmId(v), { type: 'closeFd' }, true)],
          {
            kernel:
              'kvm_vm_free(): close the vCPU and VM fds → kvm_vm_release() → kvm_put_kvm() (kvm_destroy_vm() at the last reference)',
          },
        ),
      );

  const fd0 = fileId(0);
  const lens = uniq([
    ...bad(['P']),
    pageWord(o.pages),
    ...bad([pageWord(4 * o.pages)]),
    ...(pmdFits ? ['PMD'] : []),
  ]);
  for (const len of lens)
    for (const map of ['shared', ...bad(['private'])])
      events.push(
        worldEvent(
          'host',
          'mmap',
          { fd: 0, len, map },
          [gate(fd0, { type: 'mmap', len: bytes(len) / P, map }, true)],
          {
            kernel: 'mmap(fd): kvm_gmem_mmap() (ENODEV without MMAP, EINVAL unless MAP_SHARED)',
          },
        ),
      );
  events.push(
    worldEvent(
      'host',
      'munmap',
      { fd: 0 },
      [{ machine: fd0, event: { type: 'munmap' } }, ...releaseFollowers(o, 0)],
      {
        kernel: 'munmap(): the mapping drops its file reference (kvm_gmem_release() if it was the last)',
      },
    ),
  );
  if (o.selftest)
    events.push(
      worldEvent('host', 'fork', {}, [{ machine: fd0, event: { type: 'fork' } }], {
        kernel: 'fork(): the child inherits the MAP_SHARED guest_memfd mapping',
      }),
    );
  for (const advice of bad(['HUGEPAGE', 'COLLAPSE', 'DONTNEED']))
    events.push(
      worldEvent('host', 'madvise', { advice }, [{ machine: fd0, event: { type: 'madvise', advice } }], {
        kernel:
          advice === 'COLLAPSE'
            ? 'madvise(MADV_COLLAPSE): madvise_collapse() → thp_vma_allowable_order() → file_thp_enabled() is false for anon inodes'
            : `madvise(MADV_${advice})`,
      }),
    );

  // Loads and stores through the fd-0 mapping; index `pages` lies past EOF.
  // A forked child's accesses (selftests): the design alphabet's host accesses cover the same
  // states. The design alphabet accesses only mapped pages inside the file (outside, every
  // access is SIGSEGV or SIGBUS and changes nothing).
  for (const [actor, proc] of [['host', 0] as const, ...(o.selftest ? [['child', 1] as const] : [])])
    for (const i of range(o.pages + (o.selftest ? 1 : 0))) {
      const pageStep = (event: MachineEvent): Participant[] =>
        i < o.pages ? [{ machine: pageId(i), event, prior: true }] : [];
      const access: Participant = o.selftest
        ? { machine: fd0, event: { type: 'access', page: i } }
        : { machine: fd0, event: { type: 'access', page: i }, requires: (m) => mapped(m.context, i) };
      const kernel =
        'user fault on the mapping: kvm_gmem_fault_user_mapping() (SIGBUS past i_size or unless shared)';
      events.push(
        worldEvent(actor, 'read', { page: i }, [access, ...pageStep({ type: 'hostRead', proc })], { kernel }),
      );
      for (const value of o.values)
        events.push(
          worldEvent(
            actor,
            'write',
            { page: i, value },
            [access, ...pageStep({ type: 'hostWrite', proc, value })],
            {
              kernel,
            },
          ),
        );
    }
  const vcpu: Participant = { machine: vmId(0), requires: 'open' };
  const guestKernel =
    'KVM_RUN: kvm_mmu_faultin_pfn(): kvm_mmu_faultin_pfn_gmem() → kvm_gmem_get_pfn() for private or GMEM_ONLY, else the userspace_addr backing';
  for (const i of pages) {
    events.push(
      worldEvent(
        'host',
        'read',
        { page: i, backing: 'shared' },
        [{ machine: pageId(i), event: { type: 'backingRead' } }],
        {
          kernel: 'load from the shared backing behind userspace_addr',
        },
      ),
    );
    for (const value of o.values)
      events.push(
        worldEvent(
          'host',
          'write',
          { page: i, value, backing: 'shared' },
          [{ machine: pageId(i), event: { type: 'backingWrite', value } }],
          { kernel: 'store to the shared backing behind userspace_addr' },
        ),
      );
    events.push(
      worldEvent('guest', 'read', { gfn: i }, [vcpu, { machine: pageId(i), event: { type: 'guestRead' } }], {
        kernel: guestKernel,
      }),
    );
    for (const value of o.values)
      events.push(
        worldEvent(
          'guest',
          'write',
          { gfn: i, value },
          [vcpu, { machine: pageId(i), event: { type: 'guestWrite', value } }],
          {
            kernel: guestKernel,
          },
        ),
      );
    if (o.inplace) pinEvents(o, i, events);
  }

  if (o.selftest) numaEvents(o, events);
  fallocateEvents(o, events);
  for (const v of range(o.vms)) memslotEvents(o, v, events);
  attributeEvents(o, events);

  const pageMachine = gmemContentsMachine(o.values);
  const machines: MachineInstance[] = [
    ...range(o.vms).map((v) => ({
      id: vmId(v),
      machine: kvmVmMachine,
      input: { privateMem: o.privateMem, initSharedOk: o.initSharedOk },
    })),
    ...range(o.vms).flatMap((v) =>
      range(vmSlots(o, v)).map((s) => ({ id: slotId(v, s), machine: memslotMachine })),
    ),
    ...range(o.files).map((f) => ({
      id: fileId(f),
      machine: gmemFileMachine,
      input: { slot: f, initSharedOk: o.initSharedOk, perPage: o.inplace, pages: o.pages },
    })),
    ...pages.map((i) => ({
      id: pageId(i),
      machine: pageMachine,
      input: { attr: o.inplace ? 'private' : 'shared' },
    })),
  ];
  return { machines, events };
}

/** A page reacting to the outcome so far. */
function page(i: number, event: MachineEvent): Participant {
  return { machine: pageId(i), event, prior: true };
}

/**
 * The two alphabets' participants. The design alphabet leaves out the refusals that change
 * nothing, so that followers of a check need not react to every outcome of the model (the
 * engine delivers a `prior` participant one event per outcome):
 * - `gate(machine, event, prior?)`: the selftests deliver the call (a closed fd answers
 *   EBADF); the design alphabet requires the machine to be `open` instead, and delivers the
 *   event only when it moves something (`keep`: close, close_vm).
 * - `follow(machine, event)`: a participant after checks that cannot refuse in the design
 *   alphabet (gated, with well-formed arguments only) gets `prior: 'ok'`; in the selftests'
 *   alphabet it sees the real outcome so far.
 */
function alphabet(o: GmemWorldOptions): {
  gate: (machine: string, event: MachineEvent, keep?: boolean) => Participant;
  follow: (machine: string, event: MachineEvent) => Participant;
} {
  return {
    gate: (machine, event, keep = false) =>
      o.selftest
        ? { machine, event }
        : keep
          ? { machine, event, requires: 'open' }
          : { machine, requires: 'open' },
    follow: (machine, event) =>
      o.selftest ? { machine, event, prior: true } : { machine, event: { ...event, prior: 'ok' } },
  };
}

/**
 * What kvm_gmem_release() of the file in fd slot f touches when a close/munmap step drops
 * the last reference (the file answers `released`): every memslot bound to it goes
 * bound-but-dead, fd 0's pages lose their folios, and the file's VM is put.
 */
function releaseFollowers(o: GmemWorldOptions, f: number): Participant[] {
  return [
    ...range(o.vms).flatMap((v) =>
      range(vmSlots(o, v)).map((s) => ({
        machine: slotId(v, s),
        event: { type: 'fileReleased', fd: f },
        prior: true as const,
      })),
    ),
    ...(f === 0 ? range(o.pages).map((i) => page(i, { type: 'released' })) : []),
    ...range(o.vms).map((v) => ({
      machine: vmId(v),
      event: { type: 'putRef', fd: f },
      prior: true as const,
    })),
  ];
}

/** NUMA (two nodes): mbind over aligned ranges of the mapping, get_mempolicy and move_pages per page. */
function numaEvents(o: GmemWorldOptions, events: WorldEventSpec[]): void {
  const binds: [string, Record<string, string>][] = [
    ['INTERLEAVE:0', { policy: 'INTERLEAVE', node: '0' }],
    ['BIND:0', { policy: 'BIND', node: '0' }],
    ['BIND:1', { policy: 'BIND', node: '1' }],
    ['DEFAULT:0', { policy: 'DEFAULT' }],
  ];
  const kernel = 'mbind() on the mapping: kvm_gmem_set_policy() → mpol_set_shared_policy() on the inode';
  for (const start of range(o.pages))
    for (const n of range(o.pages - start).map((k) => k + 1))
      for (const [policy, args] of binds)
        events.push(
          worldEvent(
            'host',
            'mbind',
            { offset: pageWord(start), len: pageWord(n), ...args },
            [
              { machine: fileId(0), event: { type: 'mbindCheck', policy } },
              ...range(n).map((k) => page(start + k, { type: 'mbind', policy })),
            ],
            { kernel },
          ),
        );
  events.push(
    worldEvent(
      'host',
      'mbind',
      { offset: '0', len: 'P', policy: '999' },
      [{ machine: fileId(0), event: { type: 'mbindCheck', policy: '999' } }],
      { kernel },
    ),
  );
  for (const i of range(o.pages)) {
    events.push(
      worldEvent(
        'host',
        'get_mempolicy',
        { page: i },
        [{ machine: pageId(i), event: { type: 'policyRead' } }],
        {
          kernel: 'get_mempolicy(MPOL_F_ADDR): kvm_gmem_get_policy()',
        },
      ),
    );
    events.push(
      worldEvent('host', 'move_pages', { page: i }, [{ machine: pageId(i), event: { type: 'nodeRead' } }], {
        kernel: 'move_pages() status query: the node of the folio',
      }),
    );
  }
}

/** GUP pins (CONFIG_GUP_TEST pin_user_pages) on a mapped page: INPLACE's refcount check. */
function pinEvents(o: GmemWorldOptions, i: number, events: WorldEventSpec[]): void {
  const { follow } = alphabet(o);
  events.push(
    worldEvent(
      'host',
      'pin',
      { page: i },
      [
        follow(pageId(i), { type: 'pin' }),
        { machine: fileId(0), event: { type: 'pinMark', page: i, on: true }, prior: true },
      ],
      { kernel: 'pin_user_pages() (CONFIG_GUP_TEST) on the guest_memfd mapping' },
    ),
  );
  events.push(
    worldEvent(
      'host',
      'unpin',
      { page: i },
      [
        { machine: pageId(i), event: { type: 'unpin' } },
        { machine: fileId(0), event: { type: 'pinMark', page: i, on: false }, prior: true },
      ],
      { kernel: 'unpin_user_pages()' },
    ),
  );
}

/** fallocate(fd 0): unaligned and out-of-range words the selftests use, and every aligned range. */
function fallocateEvents(o: GmemWorldOptions, events: WorldEventSpec[]): void {
  const { gate, follow } = alphabet(o);
  const bad = (words: readonly string[]): readonly string[] => (o.selftest ? words : []);
  const offsets = uniq([
    '0',
    ...bad(['1', 'P-1']),
    ...range(o.pages + (o.selftest ? 1 : 0)).map((k) => pageWord(k + 1)),
  ]);
  const lens = uniq([...bad(['1', 'P-1', 'P+1']), ...range(o.pages).map((k) => pageWord(k + 1))]);
  // Allocation moves no modelled state (a folio reads zero either way): selftest alphabet only.
  const modes = [...(o.selftest ? ['KEEP_SIZE'] : []), 'KEEP_SIZE|PUNCH_HOLE'];
  const add = (mode: string, offset: string, len: string): void => {
    const off = bytesOf(offset);
    const n = bytesOf(len);
    const punched = mode.includes('PUNCH_HOLE')
      ? range(o.pages).filter((i) => i * P >= off && (i + 1) * P <= off + n)
      : [];
    events.push(
      worldEvent(
        'host',
        'fallocate',
        { fd: 0, mode, offset, len },
        [
          gate(fileId(0), { type: 'fallocate', mode, off, len: n }),
          ...punched.map((i) => follow(pageId(i), { type: 'punch' })),
        ],
        {
          kernel: mode.includes('PUNCH_HOLE')
            ? 'kvm_gmem_fallocate() → kvm_gmem_punch_hole() under filemap_invalidate_lock: invalidate, truncate_inode_pages_range()'
            : 'kvm_gmem_fallocate() → kvm_gmem_allocate() under filemap_invalidate_lock (shared)',
        },
      ),
    );
  };
  for (const mode of modes) for (const offset of offsets) for (const len of lens) add(mode, offset, len);
  for (const mode of bad(['0', 'PUNCH_HOLE', 'KEEP_SIZE|ZERO_RANGE', 'KEEP_SIZE|COLLAPSE_RANGE']))
    add(mode, '0', 'P');
}

interface Geometry {
  readonly gpa: number;
  readonly size: number;
}

/**
 * KVM_SET_USER_MEMORY_REGION[2] on each memslot id of VM v: a guest-physical range (`gpa`,
 * `size`, in pages) with flags, a guest_memfd (`fd`) and an offset into it, checked as
 * kvm_set_memory_region() does, then kvm_gmem_bind(); and the delete (memory_size 0).
 */
function memslotEvents(o: GmemWorldOptions, v: number, events: WorldEventSpec[]): void {
  const { gate } = alphabet(o);
  const bad = (words: readonly string[]): readonly string[] => (o.selftest ? words : []);
  const N = o.pages;
  const gmemFds = range(o.files).map((f) => `gmem${f}`);
  // Design: the whole file at GFN 0 or just above the file's GFNs, at offset 0 or P (past EOF
  // unless the file is larger). Selftests: every range within twice the file's GFNs.
  const geometries: Geometry[] =
    v > 0
      ? [{ gpa: 0, size: N }]
      : o.selftest
        ? range(2 * N).flatMap((gpa) => range(N).map((k) => ({ gpa, size: k + 1 })))
        : [
            { gpa: 0, size: N },
            { gpa: N, size: N },
          ];
  const base = (g: Geometry): boolean => g.gpa === 0 && g.size === N;
  const vmArgs = v > 0 ? { vm: v } : {};
  const nslots = vmSlots(o, v);

  const add = (s: number, g: Geometry, api: string, flags: string, fd: string, offset: string): void => {
    const gmem = flags.includes('GUEST_MEMFD');
    const file = /^gmem(\d)$/.exec(fd);
    const f = file === null ? -1 : Number(file[1]);
    const off = bytesOf(offset);
    const code = slotCode(v, s);
    const to = !gmem ? 'normal' : f === 0 && off === g.gpa * P ? 'gmem' : 'other';
    // A range past every file's end is refused by kvm_gmem_bind() whatever the state: the
    // design alphabet leaves the pages out of that step (they would only see the refusal).
    const routed = v === 0 && (o.selftest || !gmem || off / P + g.size <= o.pages);
    events.push(
      worldEvent(
        'vmm',
        'set_memory_region',
        { ...vmArgs, slot: s, gpa: pageWord(g.gpa), size: pageWord(g.size), api, flags, fd, offset },
        [
          ...(o.selftest
            ? [{ machine: vmId(v), event: { type: 'regionCheck', api, flags, fd, off } }]
            : [{ machine: vmId(v), requires: 'open' }]),
          { machine: slotId(v, s), event: { type: 'modify', gmem, npages: g.size }, prior: true },
          ...range(nslots)
            .filter((t) => t !== s)
            .map((t) => ({
              machine: slotId(v, t),
              event: { type: 'overlap', base: g.gpa, npages: g.size },
              prior: true as const,
            })),
          ...(gmem && f >= 0
            ? [
                {
                  machine: fileId(f),
                  event: { type: 'bind', vm: v, off, npages: g.size, owner: code },
                  prior: true as const,
                  // Design alphabet: fget() of a closed fd (EBADF, no state change) is left out.
                  ...(o.selftest ? {} : { requires: 'open' }),
                },
              ]
            : []),
          {
            machine: slotId(v, s),
            event: {
              type: 'set',
              kind: gmem ? 'gmem' : 'normal',
              base: g.gpa,
              npages: g.size,
              fd: f,
              off: off / P,
            },
            prior: true,
          },
          ...(routed
            ? range(o.pages).map((i) =>
                i >= g.gpa && i < g.gpa + g.size
                  ? page(i, { type: 'route', to, slot: code })
                  : page(i, { type: 'unroute', slot: code }),
              )
            : []),
        ],
        {
          kernel: gmem
            ? 'KVM_SET_USER_MEMORY_REGION2: kvm_set_memory_region() (flags, offset, immutable gmem slot, kvm_check_memslot_overlap → EEXIST) → kvm_gmem_bind() (i_size → EINVAL, bound range → EEXIST)'
            : 'KVM_SET_USER_MEMORY_REGION[2]: kvm_set_memory_region() (flags, kvm_check_memslot_overlap → EEXIST)',
        },
      ),
    );
  };

  for (const s of range(nslots)) {
    for (const g of geometries) {
      for (const fd of gmemFds) {
        const offsets = uniq([
          ...(v > 0 ? ['0'] : o.selftest ? range(N + 1).map(pageWord) : ['0', 'P']),
          ...(base(g) ? bad(['1', '2048', 'P-1']) : []),
        ]);
        for (const offset of offsets) add(s, g, 'v2', 'GUEST_MEMFD', fd, offset);
      }
      if (v === 0 && o.selftest) add(s, g, 'v2', '0', 'none', '0');
      if (v === 0 && o.selftest && base(g)) {
        for (const fd of ['none', 'kvm', 'vm', 'memfd']) add(s, g, 'v2', 'GUEST_MEMFD', fd, '0');
        add(s, g, 'v1', 'GUEST_MEMFD', 'none', '0');
        add(s, g, 'v1', '0', 'none', '0');
        for (const flags of ['LOG_DIRTY_PAGES|GUEST_MEMFD', 'READONLY|GUEST_MEMFD'])
          for (const fd of ['none', ...gmemFds]) add(s, g, 'v2', flags, fd, '0');
        for (const api of ['v1', 'v2'])
          for (const b of range(o.regionBits)) add(s, g, api, `1<<${b + 3}`, 'none', '0');
      }
    }
    const code = slotCode(v, s);
    events.push(
      worldEvent(
        'vmm',
        'delete_memory_region',
        { ...vmArgs, slot: s },
        [
          gate(vmId(v), { type: 'ioctl' }),
          { machine: slotId(v, s), event: { type: 'delete' }, prior: true },
          ...range(o.files).map((f) => ({
            machine: fileId(f),
            event: { type: 'unbind', owner: code },
            prior: true as const,
          })),
          ...(v === 0 ? range(o.pages).map((i) => page(i, { type: 'unroute', slot: code })) : []),
        ],
        {
          kernel:
            'KVM_SET_USER_MEMORY_REGION2 with memory_size 0: kvm_set_memslot(KVM_MR_DELETE) → kvm_invalidate_memslot(), kvm_gmem_unbind()',
        },
      ),
    );
  }
}

/**
 * set_attributes over every page range: mainline KVM_SET_MEMORY_ATTRIBUTES (per VM, contents
 * untouched, §2.9); INPLACE KVM_SET_MEMORY_ATTRIBUTES2 on the gmem fd (§3.2: refcount check
 * over the whole range first, then every page converts; contents preserved).
 */
function attributeEvents(o: GmemWorldOptions, events: WorldEventSpec[]): void {
  const { gate, follow } = alphabet(o);
  // The design alphabet omits to-private on a VM without private memory (always EINVAL, no state change).
  const attrs =
    o.selftest || o.inplace || o.privateMem ? (['private', 'shared'] as const) : (['shared'] as const);
  for (const start of range(o.pages))
    for (const n of range(o.pages - start).map((k) => k + 1))
      for (const attr of attrs) {
        const span = range(n).map((k) => start + k);
        const mask = span.reduce((m, i) => m | (1 << i), 0);
        // INPLACE's convertCheck may refuse (EAGAIN) in any alphabet: its pages see the real outcome.
        const head: Participant[] = o.inplace
          ? [
              ...(o.selftest ? [] : [{ machine: fileId(0), requires: 'open' }]),
              { machine: fileId(0), event: { type: 'convertCheck', mask, to: attr } },
            ]
          : [gate(vmId(0), { type: 'attrCheck', to: attr })];
        events.push(
          worldEvent(
            'vmm',
            'set_attributes',
            { page: start, pages: n, attr },
            [
              ...head,
              ...span.map((i) =>
                o.inplace
                  ? page(i, { type: 'convert', to: attr })
                  : follow(pageId(i), { type: 'setAttr', to: attr }),
              ),
            ],
            {
              kernel: o.inplace
                ? 'KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd fd: __kvm_gmem_set_attributes() (unmap_mapping_pages, kvm_gmem_is_safe_for_conversion → EAGAIN)'
                : 'KVM_SET_MEMORY_ATTRIBUTES on the VM fd: kvm_vm_set_mem_attributes() under slots_lock',
            },
          ),
        );
      }
}
