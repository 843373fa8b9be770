/** Page-table entry changes. `pte` is the packed encoding of src/state/pte.ts. */
export interface PteSetEvent {
  readonly type: 'pte/set';
  readonly tid: number;
  readonly mm: number;
  readonly vpn: number;
  readonly pte: number;
  /** 'hw': an MMU update (X86-W2, A64-W2); 'sw': kernel code, which must hold the PTL. */
  readonly src: 'hw' | 'sw';
  /** Kernel function or hardware rule that made the change, e.g. 'ptep_modify_prot_start'. */
  readonly fn: string;
}
export type PteEvent = PteSetEvent;
export const isPteEvent = (e: { type: string }): e is PteEvent => e.type.startsWith('pte/');
