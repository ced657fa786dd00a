// The words a scenario may use: actors and operations. A word outside these lists is a
// typo (bad input, exit 2); a listed operation that the scenario's model has no event for
// is a model gap (the step fails), so scenarios can name what the models do not have yet.

/** Who performs an operation. */
export const ACTORS: Readonly<Record<string, string>> = {
  vmm: 'the VMM process: KVM ioctls on the VM and guest_memfd fds',
  host: 'host userspace: syscalls and loads/stores through a guest_memfd mmap or the shared backing',
  child: 'a forked child process of the VMM that inherited its mappings',
  guest: 'the guest (a vCPU running guest code): loads and stores to guest physical pages',
};

/** Operations, with the system call or ioctl each stands for. */
export const OPERATIONS: Readonly<Record<string, string>> = {
  check_extension: 'KVM_CHECK_EXTENSION(cap): the value the capability reports',
  create: 'KVM_CREATE_GUEST_MEMFD(size, flags) into fd slot `fd` (vm: which VM)',
  close: 'close(fd): the last reference runs kvm_gmem_release() (a mapping keeps the file until munmap)',
  close_vm:
    'kvm_vm_free(): close the vCPU fds and the VM fd (the VM lives on while a guest_memfd of it is open)',
  fstat: 'fstat(fd): the value of `field` (size, blksize, ino)',
  read: 'read(fd) / a load from a mapping (page) / from the shared backing (backing=shared)',
  write: 'write(fd) / a store of `value` through a mapping (page) / to the shared backing',
  pread: 'pread(fd, off 0)',
  pwrite: 'pwrite(fd, off 0)',
  mmap: 'mmap(len, PROT_READ|PROT_WRITE, map=shared|private, fd)',
  munmap: 'munmap of the fd mapping',
  fallocate: 'fallocate(fd, mode, offset, len)',
  madvise: 'madvise(advice) on the whole mapping',
  mbind: 'mbind(range, policy, node) on the mapping',
  get_mempolicy: 'get_mempolicy(MPOL_F_ADDR) of a page: the policy/node',
  move_pages: 'move_pages(status query) of a page: its NUMA node',
  set_memory_region:
    'KVM_SET_USER_MEMORY_REGION[2](slot, gpa, size, flags, fd kind, guest_memfd offset) (vm: which VM)',
  delete_memory_region: 'KVM_SET_USER_MEMORY_REGION2 with size 0 (delete the slot)',
  set_attributes: 'KVM_SET_MEMORY_ATTRIBUTES (per VM) or KVM_SET_MEMORY_ATTRIBUTES2 (on the gmem fd)',
  fork: 'fork(): the child inherits the shared mapping',
  pin: 'pin_user_pages (CONFIG_GUP_TEST) on a mapped page',
  unpin: 'unpin_user_pages of an earlier pin',
};
