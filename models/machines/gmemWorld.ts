// The world events shared by the conformance models of guest_memfd (mainline and
// in-place conversion): each is one ioctl, syscall or memory access of the VMM, the host,
// a forked child or the guest, named as conformance scenarios name them (src/conform).
// Event arguments are the words scenarios write (sizes as P multiples, flag names);
// machine events carry the decoded numbers.
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
  /** Data tags writers may store (the contents domain besides zero). */
  readonly values: readonly string[];
  /** Create flags tried as raw bits 1<<0 .. 1<<(flagBits-1). */
  readonly flagBits: number;
  /** Unsupported memslot flag bits tried: 1<<3 .. 1<<(2+regionBits). */
  readonly regionBits: number;
  /**
   * The selftests' full alphabet: also malformed arguments (unaligned sizes and offsets, bad
   * fds, unknown modes), fstat, capability queries, read/write on the fd, madvise and a
   * forked child. Off for design checks, which need only the operations that move pages.
   */
  readonly selftest: boolean;
  readonly privateMem: boolean;
  readonly initSharedOk: boolean;
  /** INPLACE: attributes live in guest_memfd per page; conversion is a gmem ioctl. */
  readonly inplace: boolean;
}

const fileId = (f: number): string => `fd${f}`;
const pageId = (i: number): string => `page${i}`;
const pageWord = (n: number): string => (n === 1 ? 'P' : `${n}P`);
const uniq = (words: readonly string[]): string[] => [...new Set(words)];

export function gmemWorld(o: GmemWorldOptions): { machines: MachineInstance[]; events: WorldEventSpec[] } {
  const events: WorldEventSpec[] = [];
  const pages = range(o.pages);
  const allPages = (event: MachineEvent): Participant[] => pages.map((i) => follower(o, pageId(i), event));

  const bad = (words: readonly string[]): readonly string[] => (o.selftest ? words : []);
  for (const cap of bad(['GUEST_MEMFD_FLAGS', 'MEMORY_ATTRIBUTES']))
    events.push(
      worldEvent('vmm', 'check_extension', { cap }, [{ machine: 'kvm', event: { type: 'cap', cap } }]),
    );

  const sizes = uniq([...bad(['1', '2048', 'P-1']), ...range(o.pages).map((k) => pageWord(k + 1))]);
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
            worldEvent('vmm', 'create', args, [
              { machine: fileId(f), event: { type: 'create', size: bytesOf(size), flags: fl, vm } },
              ...(f === 0 ? allPages({ type: 'reset', mmap, attr }) : []),
            ]),
          );
        }
    // Design checks create each fd once; closing and re-creating only repeats those states.
    if (o.selftest)
      events.push(worldEvent('vmm', 'close', { fd: f }, [{ machine: fileId(f), event: { type: 'close' } }]));
    for (const field of bad(['size', 'blksize', 'ino']))
      events.push(
        worldEvent('host', 'fstat', { fd: f, field }, [
          { machine: fileId(f), event: { type: 'fstat', field } },
        ]),
      );
    for (const op of bad(['read', 'write', 'pread', 'pwrite']))
      events.push(worldEvent('host', op, { fd: f }, [{ machine: fileId(f), event: { type: 'fileio' } }]));
  }

  const fd0 = fileId(0);
  for (const len of uniq([...bad(['P']), pageWord(o.pages), ...bad([pageWord(4 * o.pages)])]))
    for (const map of ['shared', ...bad(['private'])])
      events.push(
        worldEvent('host', 'mmap', { fd: 0, len, map }, [
          { machine: fd0, event: { type: 'mmap', len: bytesOf(len) / P, map } },
        ]),
      );
  events.push(worldEvent('host', 'munmap', { fd: 0 }, [{ machine: fd0, event: { type: 'munmap' } }]));
  if (o.selftest) events.push(worldEvent('host', 'fork', {}, [{ machine: fd0, event: { type: 'fork' } }]));
  for (const advice of bad(['HUGEPAGE', 'COLLAPSE', 'DONTNEED']))
    events.push(
      worldEvent('host', 'madvise', { advice }, [{ machine: fd0, event: { type: 'madvise', advice } }]),
    );

  // Loads and stores through the fd-0 mapping; index `pages` lies past EOF.
  for (const [actor, proc] of [
    ['host', 0],
    ['child', 1],
  ] as const)
    for (const i of range(o.pages + 1)) {
      const page = (event: MachineEvent): Participant[] =>
        i < o.pages ? [{ machine: pageId(i), event, prior: true }] : [];
      const access: Participant = { machine: fd0, event: { type: 'access', page: i } };
      events.push(worldEvent(actor, 'read', { page: i }, [access, ...page({ type: 'hostRead', proc })]));
      for (const value of o.values)
        events.push(
          worldEvent(actor, 'write', { page: i, value }, [
            access,
            ...page({ type: 'hostWrite', proc, value }),
          ]),
        );
    }
  for (const i of pages) {
    events.push(
      worldEvent('host', 'read', { page: i, backing: 'shared' }, [
        { machine: pageId(i), event: { type: 'backingRead' } },
      ]),
    );
    for (const value of o.values)
      events.push(
        worldEvent('host', 'write', { page: i, value, backing: 'shared' }, [
          { machine: pageId(i), event: { type: 'backingWrite', value } },
        ]),
      );
    events.push(
      worldEvent('guest', 'read', { gfn: i }, [{ machine: pageId(i), event: { type: 'guestRead' } }]),
    );
    for (const value of o.values)
      events.push(
        worldEvent('guest', 'write', { gfn: i, value }, [
          { machine: pageId(i), event: { type: 'guestWrite', value } },
        ]),
      );
    if (o.inplace) pinEvents(i, events);
  }

  if (o.selftest) numaEvents(o, events);
  fallocateEvents(o, events);
  memslotEvents(o, events);
  attributeEvents(o, events);

  const pageMachine = gmemContentsMachine(o.values);
  const machines: MachineInstance[] = [
    { id: 'kvm', machine: kvmVmMachine, input: { privateMem: o.privateMem, initSharedOk: o.initSharedOk } },
    { id: 'slot0', machine: memslotMachine },
    ...range(o.files).map((f) => ({
      id: fileId(f),
      machine: gmemFileMachine,
      input: { slot: f, initSharedOk: o.initSharedOk, perPage: o.inplace },
    })),
    ...pages.map((i) => ({
      id: pageId(i),
      machine: pageMachine,
      input: { attr: o.inplace ? 'private' : 'shared' },
    })),
  ];
  return { machines, events };
}

/**
 * A page that follows a check which cannot refuse in the design alphabet (selftest=0: no
 * malformed arguments, and operations on closed fds are not enabled) gets a fixed
 * `prior: 'ok'`; the engine's prior fan-out would multiply the page machine's alphabet by
 * every outcome of the model. With selftest=1 the page sees the real outcome so far.
 */
function follower(o: GmemWorldOptions, machine: string, event: MachineEvent): Participant {
  return o.selftest ? { machine, event, prior: true } : { machine, event: { ...event, prior: 'ok' } };
}

/** NUMA (two nodes): mbind over aligned ranges of the mapping, get_mempolicy and move_pages per page. */
function numaEvents(o: GmemWorldOptions, events: WorldEventSpec[]): void {
  const binds: [string, Record<string, string>][] = [
    ['INTERLEAVE:0', { policy: 'INTERLEAVE', node: '0' }],
    ['BIND:0', { policy: 'BIND', node: '0' }],
    ['BIND:1', { policy: 'BIND', node: '1' }],
    ['DEFAULT:0', { policy: 'DEFAULT' }],
  ];
  for (const start of range(o.pages))
    for (const n of range(o.pages - start).map((k) => k + 1))
      for (const [policy, args] of binds)
        events.push(
          worldEvent(
            'host',
            'mbind',
            { offset: start === 0 ? '0' : pageWord(start), len: pageWord(n), ...args },
            [
              { machine: fileId(0), event: { type: 'mbindCheck', policy } },
              ...range(n).map((k) => follower(o, pageId(start + k), { type: 'mbind', policy })),
            ],
          ),
        );
  events.push(
    worldEvent('host', 'mbind', { offset: '0', len: 'P', policy: '999' }, [
      { machine: fileId(0), event: { type: 'mbindCheck', policy: '999' } },
    ]),
  );
  for (const i of range(o.pages)) {
    events.push(
      worldEvent('host', 'get_mempolicy', { page: i }, [
        { machine: pageId(i), event: { type: 'policyRead' } },
      ]),
    );
    events.push(
      worldEvent('host', 'move_pages', { page: i }, [{ machine: pageId(i), event: { type: 'nodeRead' } }]),
    );
  }
}

/** GUP pins (CONFIG_GUP_TEST pin_user_pages) on a mapped page: INPLACE's refcount check. */
function pinEvents(i: number, events: WorldEventSpec[]): void {
  events.push(
    worldEvent('host', 'pin', { page: i }, [
      { machine: pageId(i), event: { type: 'pin' }, prior: true },
      { machine: fileId(0), event: { type: 'pinMark', page: i, on: true }, prior: true },
    ]),
  );
  events.push(
    worldEvent('host', 'unpin', { page: i }, [
      { machine: pageId(i), event: { type: 'unpin' } },
      { machine: fileId(0), event: { type: 'pinMark', page: i, on: false }, prior: true },
    ]),
  );
}

/** fallocate(fd 0): unaligned and out-of-range words the selftests use, and every aligned range. */
function fallocateEvents(o: GmemWorldOptions, events: WorldEventSpec[]): void {
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
      worldEvent('host', 'fallocate', { fd: 0, mode, offset, len }, [
        { machine: fileId(0), event: { type: 'fallocate', mode, off, len: n } },
        ...punched.map((i) => follower(o, pageId(i), { type: 'punch' })),
      ]),
    );
  };
  for (const mode of modes) for (const offset of offsets) for (const len of lens) add(mode, offset, len);
  for (const mode of bad(['0', 'PUNCH_HOLE', 'KEEP_SIZE|ZERO_RANGE', 'KEEP_SIZE|COLLAPSE_RANGE']))
    add(mode, '0', 'P');
}

/** KVM_SET_USER_MEMORY_REGION[2] on slot 0 (fd-0 pages at GFN 0..), and the other VM's own binding. */
function memslotEvents(o: GmemWorldOptions, events: WorldEventSpec[]): void {
  const bad = (words: readonly string[]): readonly string[] => (o.selftest ? words : []);
  const fds = [...bad(['none', 'kvm', 'vm', 'memfd']), ...range(o.files).map((f) => `gmem${f}`)];
  const flagWords = ['0', 'GUEST_MEMFD', ...bad(['LOG_DIRTY_PAGES|GUEST_MEMFD', 'READONLY|GUEST_MEMFD'])];
  const add = (api: string, flags: string, fd: string, offset: string): void => {
    const gmem = flags.includes('GUEST_MEMFD');
    const file = /^gmem(\d)$/.exec(fd);
    const bindsFd0 = gmem && file?.[1] === '0';
    events.push(
      worldEvent('vmm', 'set_memory_region', { slot: 0, api, flags, fd, offset }, [
        { machine: 'kvm', event: { type: 'regionCheck', api, flags, fd } },
        ...(gmem && file !== null
          ? [
              {
                machine: fileId(Number(file[1])),
                event: { type: 'bind', vm: 0, off: bytesOf(offset) },
                prior: true as const,
              },
            ]
          : []),
        { machine: 'slot0', event: { type: 'set', kind: gmem ? 'gmem' : 'normal' }, prior: true },
        ...range(o.pages).map((i) =>
          follower(o, pageId(i), {
            type: 'route',
            to: bindsFd0 || !gmem ? (gmem ? 'gmem' : 'normal') : 'none',
          }),
        ),
      ]),
    );
  };
  for (const api of ['v2', ...bad(['v1'])])
    for (const flags of flagWords)
      for (const fd of flags === '0' ? bad(['none']) : fds)
        for (const offset of fd.startsWith('gmem') ? ['0', ...bad(['1', '2048', 'P-1'])] : ['0'])
          add(api, flags, fd, offset);
  for (const api of ['v1', 'v2']) for (const b of range(o.regionBits)) add(api, `1<<${b + 3}`, 'none', '0');
  events.push(
    worldEvent('vmm', 'delete_memory_region', { slot: 0 }, [
      { machine: 'slot0', event: { type: 'delete' } },
      ...range(o.pages).map((i) => follower(o, pageId(i), { type: 'route', to: 'none' })),
    ]),
  );
  if (o.vms > 1 && o.files > 1)
    events.push(
      worldEvent(
        'vmm',
        'set_memory_region',
        { vm: 1, slot: 0, api: 'v2', flags: 'GUEST_MEMFD', fd: 'gmem1', offset: '0' },
        [
          { machine: 'kvm', event: { type: 'regionCheck', api: 'v2', flags: 'GUEST_MEMFD', fd: 'gmem1' } },
          { machine: fileId(1), event: { type: 'bind', vm: 1, off: 0 }, prior: true },
        ],
      ),
    );
}

/**
 * set_attributes over every page range: mainline KVM_SET_MEMORY_ATTRIBUTES (per VM, contents
 * untouched, §2.9); INPLACE KVM_SET_MEMORY_ATTRIBUTES2 on the gmem fd (§3.2: refcount check
 * over the whole range first, then every page converts; contents preserved).
 */
function attributeEvents(o: GmemWorldOptions, events: WorldEventSpec[]): void {
  for (const start of range(o.pages))
    for (const n of range(o.pages - start).map((k) => k + 1))
      for (const attr of ['private', 'shared'] as const) {
        const span = range(n).map((k) => start + k);
        const mask = span.reduce((m, i) => m | (1 << i), 0);
        const head: Participant = o.inplace
          ? { machine: fileId(0), event: { type: 'convertCheck', mask, to: attr } }
          : { machine: 'kvm', event: { type: 'attrCheck', to: attr } };
        events.push(
          worldEvent('vmm', 'set_attributes', { page: start, pages: n, attr }, [
            head,
            ...span.map((i) => ({
              machine: pageId(i),
              event: { type: o.inplace ? 'convert' : 'setAttr', to: attr },
              prior: true as const,
            })),
          ]),
        );
      }
}
