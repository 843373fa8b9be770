import { SimError } from '../errors.js';
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
  const a = ARCHS.find((x) => x.name === name);
  if (!a)
    throw new SimError(
      'ARCH_UNKNOWN',
      `unknown architecture '${name}'; expected one of: ${ARCHS.map((x) => x.name).join(', ')}`,
    );
  return a;
}
