/* Copy of the project's own SPIN anchor model (anchors/spin/dirty.pml in the shared design
 * notes), unchanged below this comment; used by `npm run bench` (suite explore) to run SPIN
 * side by side with ptesim on the same configurations. */
/*
 * dirty.pml -- SPIN model of apply_as_wrprotect / apply_as_clean (v4 seed)
 * and wp_shared_mapping_range / clean_record_shared_mapping_range (merged,
 * mm/mapping_dirty_helpers.c), racing against user writers that go through
 * per-CPU TLBs.  Sequentially consistent interleaving semantics.
 *
 * Every knob is a compile-time #define (pass -DNAME=VALUE to spin -a):
 *   NPAGES   1|2      pages (PTEs) in the one mm / one vma / whole range
 *   NCPUS    1|2      CPUs, each running one user writer thread
 *   NCALLERS 1|2      concurrent kernel callers (plus one final drain)
 *   NWRITES  n        writes per writer (default 2)
 *   VARIANT  0|1|2    0 = V4 (seed), 1 = MERGED (mm_tlb_flush_nested),
 *                     2 = NAIVE (non-atomic read / write-back, MERGED flush)
 *   ARCH     0|1      0 = A (x86: hardware sets the dirty bit),
 *                     1 = B (software dirty: arm64 without DBM)
 *   MODE     0|1      0 = wrprotect + mkwrite bitmap (vmwgfx "MKWRITE"),
 *                     1 = clean + record bitmap (vmwgfx "PAGETABLE")
 *   DIRTY0   0|1      PTEs start dirty
 *   PROTO    0|1      driver protocol in MODE 0:
 *                     0 = SNAP: snapshot+clear the driver bitmap, then
 *                         wrprotect+flush, then copy the snapshot;
 *                     1 = LIT: wrprotect+flush, then copy+clear every
 *                         page whose bit is set (the literal brief)
 *   NOFLUSH           (sanity mutant) flush_tlb_range does nothing
 *   PROP     1|2|3    which property is asserted:
 *                     1 = DATA   at the end device_version == memory_version
 *                     2 = WPPOST when a wrprotect caller returns, no CPU
 *                         holds a writable TLB entry that predates the
 *                         caller's look at that PTE
 *                     3 = DIRTY  (MODE 0) at the end every written page
 *                         has PTE.dirty == 1 (no clean ever runs in MODE 0,
 *                         so a written page with a clean PTE is a lost
 *                         hardware dirty bit)
 */

#ifndef NPAGES
#define NPAGES 1
#endif
#ifndef NCPUS
#define NCPUS 1
#endif
#ifndef NCALLERS
#define NCALLERS 1
#endif
#ifndef NWRITES
#define NWRITES 2
#endif
#ifndef VARIANT
#define VARIANT 0
#endif
#ifndef ARCH
#define ARCH 0
#endif
#ifndef MODE
#define MODE 0
#endif
#ifndef DIRTY0
#define DIRTY0 0
#endif
#ifndef PROTO
#define PROTO 0
#endif
#ifndef PROP
#define PROP 1
#endif

#define V4     0
#define MERGED 1
#define NAIVE  2

#define NT     (NCPUS * NPAGES)
#define T(c,p) ((c) * NPAGES + (p))
#define ALLPAGES ((1 << NPAGES) - 1)

/* ---- page table (one PTE per page) ---- */
bit  pte_p[NPAGES];
bit  pte_w[NPAGES];
bit  pte_d[NPAGES];
/* ---- per-CPU TLB, one entry per page ---- */
bit  tlb_v[NT];
bit  tlb_w[NT];
bit  tlb_d[NT];
/* ---- locks / counters ---- */
bit  ptl;            /* the page-table lock (one PTE table)           */
byte pending;        /* mm->tlb_flush_pending                          */
/* ---- driver ---- */
bit  bitmap[NPAGES]; /* driver's mkwrite bitmap (MODE 0)                */
/* ---- ghosts ---- */
byte mem[NPAGES];    /* memory version: bumped by every real write     */
byte dev[NPAGES];    /* device copy version                             */
byte susp[NT];       /* bit id set: entry was writable when caller id
                        settled this PTE as write-protected, and has not
                        been invalidated / refilled since              */
byte done_w;
byte done_c;

/* invalidate one TLB entry */
#define INVAL(t)  tlb_v[t] = 0; tlb_w[t] = 0; tlb_d[t] = 0; susp[t] = 0

/* flush_tlb_range over the pages in mask m, on all CPUs, atomically */
inline flush(m)
{
#ifndef NOFLUSH
  i = 0;
  do
  :: i < NT ->
     if
     :: ((m) >> (i % NPAGES)) & 1 -> INVAL(i)
     :: else -> skip
     fi;
     i++
  :: else -> break
  od
#else
  skip                     /* mutant: no TLB flush at all (sanity check) */
#endif
}

/* ghost: caller id has settled PTE p as write-protected; every currently
 * writable TLB entry for p must be gone before the caller returns */
inline mark(p)
{
  i = 0;
  do
  :: i < NCPUS ->
     if
     :: tlb_v[T(i,p)] && tlb_w[T(i,p)] -> susp[T(i,p)] = susp[T(i,p)] | (1 << id)
     :: else -> skip
     fi;
     i++
  :: else -> break
  od
}

/* ------------------------------------------------------------------ */
/* user writer thread on CPU c                                         */
/* ------------------------------------------------------------------ */
proctype Writer(byte c)
{
  byte n, p, t, act;

  do
  :: n < NWRITES ->
     if
     :: p = 0
#if NPAGES > 1
     :: p = 1
#endif
     fi;
     t = T(c, p);
retry:
     atomic {
       if
       :: !tlb_v[t] ->                         /* TLB miss: page walk */
          if
          :: pte_p[p] ->
             tlb_v[t] = 1;
#if ARCH == 0
             tlb_w[t] = pte_w[p];
#else
             tlb_w[t] = pte_w[p] && pte_d[p];  /* hw-writable only if dirty */
#endif
             tlb_d[t] = pte_d[p];
             susp[t] = 0;
             act = 1                           /* retry the access      */
          :: else -> act = 2                   /* not present: fault    */
          fi
       :: tlb_v[t] && tlb_w[t] && tlb_d[t] ->  /* plain write hit       */
          mem[p]++; act = 0
#if ARCH == 0
       :: tlb_v[t] && tlb_w[t] && !tlb_d[t] -> /* x86 dirty-bit assist  */
          if
          :: pte_p[p] && pte_w[p] ->
             pte_d[p] = 1; tlb_d[t] = 1; mem[p]++; act = 0
          :: else -> INVAL(t); act = 2
          fi
#endif
       :: tlb_v[t] && !tlb_w[t] ->             /* write to r/o entry    */
          INVAL(t); act = 2
       fi
     }
     if
     :: act == 1 -> goto retry
     :: act == 2 ->
        /* write fault (do_wp_page / wp_pfn_shared / sw-dirty), whole
         * handler under the page-table lock, mkwrite hook inside it */
        atomic {
          ptl == 0 ->
          assert(pte_p[p]);
          if
          :: !pte_w[p] ->
#if MODE == 0
             bitmap[p] = 1;                    /* pfn_mkwrite, drv lock */
#endif
             pte_w[p] = 1; pte_d[p] = 1
          :: else -> pte_d[p] = 1              /* sw dirty / spurious   */
          fi;
          act = 0
        };
        goto retry
     :: else -> n++
     fi
  :: else -> break
  od;
  p = 0; t = 0;
  done_w++
}

/* ------------------------------------------------------------------ */
/* kernel caller: wrprotect (MODE 0) or clean (MODE 1) over all pages  */
/* id == NCALLERS is the final drain                                   */
/* ------------------------------------------------------------------ */
proctype Caller(byte id)
{
  byte p, i, rec, snap, act;
  bit o_p, o_w, o_d;

#if MODE == 0 && PROTO == 0
  d_step {                                     /* under the driver lock */
    p = 0;
    do
    :: p < NPAGES ->
       if :: bitmap[p] -> snap = snap | (1 << p); bitmap[p] = 0 :: else -> skip fi;
       p++
    :: else -> break
    od;
    p = 0
  };
#endif

  pending++;                                   /* inc_tlb_flush_pending */

  do
  :: p < NPAGES ->
#if VARIANT != NAIVE
     atomic {
       ptl == 0 -> ptl = 1;                    /* pte lock; ptent = *pte */
#if MODE == 0
       if
       :: pte_w[p] ->
#else
       if
       :: pte_d[p] ->
#endif
          /* ptep_modify_prot_start: atomic exchange with 0 */
          o_p = pte_p[p]; o_w = pte_w[p]; o_d = pte_d[p];
          pte_p[p] = 0; pte_w[p] = 0; pte_d[p] = 0;
#if MODE == 0
          mark(p);
#endif
          act = 1
       :: else ->
#if MODE == 0
          mark(p);                             /* already write-protected */
#endif
          ptl = 0; act = 0
       fi
     };
     if
     :: act == 1 ->
        atomic {                               /* ptep_modify_prot_commit */
          pte_p[p] = o_p;
#if MODE == 0
          pte_w[p] = 0; pte_d[p] = o_d;
#else
          pte_w[p] = o_w; pte_d[p] = 0;
#endif
          rec = rec | (1 << p);
          o_p = 0; o_w = 0; o_d = 0; act = 0;
          ptl = 0                              /* pte unlock */
        }
     :: else -> skip
     fi;
#else /* NAIVE: plain read, later plain write-back, under the PTL */
     atomic {
       ptl == 0 -> ptl = 1;
       o_p = pte_p[p]; o_w = pte_w[p]; o_d = pte_d[p];
#if MODE == 0
       if
       :: o_w -> act = 1
       :: else -> mark(p); ptl = 0; act = 0
       fi
#else
       if
       :: o_d -> act = 1
       :: else -> ptl = 0; act = 0
       fi
#endif
     };
     if
     :: act == 1 ->
        atomic {                               /* write back old value, modified */
          pte_p[p] = o_p;
#if MODE == 0
          pte_w[p] = 0; pte_d[p] = o_d;
          mark(p);
#else
          pte_w[p] = o_w; pte_d[p] = 0;
#endif
          rec = rec | (1 << p);
          o_p = 0; o_w = 0; o_d = 0; act = 0;
          ptl = 0
        }
     :: else -> o_p = 0; o_w = 0; o_d = 0
     fi;
#endif
     p++
  :: else -> break
  od;

  /* post-vma: TLB flush, mmu notifier end (no-o_p here), dec pending */
  atomic {
#if VARIANT == V4
    if
    :: rec != 0 -> flush(rec)
    :: else -> skip
    fi
#else
    if
    :: pending > 1 -> flush(ALLPAGES)          /* mm_tlb_flush_nested() */
    :: else ->
       if
       :: rec != 0 -> flush(rec)
       :: else -> skip
       fi
    fi
#endif
  };
  atomic {
    pending--;                                 /* dec_tlb_flush_pending */
#if MODE == 0 && PROP == 2
    i = 0;
    do
    :: i < NT -> assert(((susp[i] >> id) & 1) == 0); i++
    :: else -> break
    od;
#endif
    i = 0
  };

  /* driver: copy pages to the device (one step, under the driver lock) */
  d_step {
    p = 0;
    do
    :: p < NPAGES ->
#if MODE == 0 && PROTO == 0
       if :: (snap >> p) & 1 -> dev[p] = mem[p] :: else -> skip fi;
#elif MODE == 0 && PROTO == 1
       if :: bitmap[p] -> dev[p] = mem[p]; bitmap[p] = 0 :: else -> skip fi;
#else
       if :: (rec >> p) & 1 -> dev[p] = mem[p] :: else -> skip fi;
#endif
       p++
    :: else -> break
    od;
    p = 0; rec = 0; snap = 0
  };
  done_c++
}

init {
  byte p, c;
  d_step {
    p = 0;
    do
    :: p < NPAGES ->
       pte_p[p] = 1; pte_w[p] = 1; pte_d[p] = DIRTY0;
#if MODE == 0
       bitmap[p] = 1;   /* writable PTE <=> mkwrite already recorded it */
#endif
       p++
    :: else -> break
    od;
    p = 0
  };
  atomic {
    c = 0;
    do
    :: c < NCPUS -> run Writer(c); c++
    :: else -> break
    od;
    c = 0;
    do
    :: c < NCALLERS -> run Caller(c); c++
    :: else -> break
    od;
    c = 0
  };
  (done_w == NCPUS && done_c == NCALLERS);
  run Caller(NCALLERS);                        /* final drain */
  (done_c == NCALLERS + 1);
  d_step {
    p = 0;
    do
    :: p < NPAGES ->
#if PROP == 1
       assert(dev[p] == mem[p]);
#elif PROP == 3 && MODE == 0
       assert(mem[p] == 0 || pte_d[p] == 1);
#endif
       p++
    :: else -> break
    od
  }
}
