import { findNamed } from '../errors.js';
import type { ArchModel } from './types.js';
import { x86_64 } from './x86_64.js';
import { arm64Dbm } from './arm64Dbm.js';
import { arm64Nodbm } from './arm64Nodbm.js';
import { riscvSvadu } from './riscvSvadu.js';
import { riscvSvade } from './riscvSvade.js';
import { lazyDirtyWriteback } from './lazyDirtyWriteback.js';
import { withDeferredFlush } from './deferredFlush.js';

/** Every architecture, by name. Adding one is one file and one line here. */
const ARCHS: readonly ArchModel[] = [
  x86_64,
  arm64Dbm,
  arm64Nodbm,
  riscvSvadu,
  riscvSvade,
  lazyDirtyWriteback,
].map(withDeferredFlush);

export function listArchs(): readonly ArchModel[] {
  return ARCHS;
}

export function getArch(name: string): ArchModel {
  return findNamed(ARCHS, (x) => x.name, name, 'ARCH_UNKNOWN', 'architecture');
}
