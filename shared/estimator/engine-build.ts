/**
 * llama.cpp allocation rules by build. Apps bundle llama.cpp builds that are months old, and the
 * KV cache's cell padding, stream layout, sliding-window and MLA handling changed across builds.
 * Each rule names the pull request that introduced it and the first llama.cpp build (`b<N>`
 * release tag) that carries it. Build numbers of merges are the release published the day the
 * pull request was merged (llama.cpp tags every merge to master); ±20 builds around a change.
 */

/** One allocation rule and the build that introduced it. */
export interface EngineRule {
  id: 'swa-cache' | 'split-streams' | 'server-auto-slots' | 'ctx-pad-256' | 'mla-v-less' | 'hybrid-per-seq' | 'swa-f16';
  /** First llama.cpp build with the rule. */
  sinceBuild: number;
  /** First build without it again, when a later pull request reverted it. */
  untilBuild?: number;
  revertedBy?: string;
  pr: string;
  /** What the rule does, one sentence. */
  what: string;
}

/** The rules in build order. */
export const LLAMA_CPP_RULES: readonly EngineRule[] = [
  // PR #13194 (2025-05-20): interleaved SWA models get a second, window-sized cache.
  { id: 'swa-cache', sinceBuild: 5380, pr: '#13194', what: 'sliding-window layers get their own cache of window + ubatch cells' },
  // PR #14363 (2025-07-16): --kv-unified; without it each slot gets its own stream.
  { id: 'split-streams', sinceBuild: 5920, pr: '#14363', what: 'each parallel slot gets its own KV stream unless --kv-unified' },
  // PR #16736 (2025-10-23): llama-server -np defaults to auto (4 slots, unified KV).
  { id: 'server-auto-slots', sinceBuild: 6830, pr: '#16736', what: 'llama-server defaults to 4 slots sharing one unified KV cache' },
  // PR #17046 (2025-11-20): n_ctx and per-slot contexts pad to 256 cells whatever flash attention is.
  { id: 'ctx-pad-256', sinceBuild: 7108, pr: '#17046', what: 'the context pads to 256 cells with or without flash attention (before: 256 with, 32 without)' },
  // PR #19067 (2026-01-24): "kv-cache : support V-less cache" — MLA caches K only.
  { id: 'mla-v-less', sinceBuild: 7860, pr: '#19067', what: 'MLA models (DeepSeek-V2/V3, Kimi, GLM-4.7-Flash) allocate no V cache' },
  // PR #19559 (2026-02-12): "memory : fix kv cache size for hybrid models" — per-slot, not n_ctx per slot.
  { id: 'hybrid-per-seq', sinceBuild: 8080, pr: '#19559', what: 'hybrid models size each attention stream per slot (before: the whole n_ctx per slot)' },
  // PR #21277 (2026-04-01): the SWA cache stays f16 under a quantized --cache-type; reverted the next
  // day by PR #21332 ("in some cases the SWA cache takes a significant portion of memory"). So the
  // current release quantizes the SWA cache like the rest; memory-model.md §2.3 ("Since PR #21277 …
  // stays f16") is out of date on this point, not this rule.
  { id: 'swa-f16', sinceBuild: 8640, untilBuild: 8652, pr: '#21277', revertedBy: '#21332', what: 'the sliding-window cache stays f16 when a quantized KV type is requested' },
];

/** True when rule `r` is in force in `build` (null: the current release). */
function inForce(r: EngineRule, build: number | null | undefined): boolean {
  if (build === null || build === undefined) return r.untilBuild === undefined;
  return build >= r.sinceBuild && (r.untilBuild === undefined || build < r.untilBuild);
}

/** Which rules are in force for one build. */
export interface LlamaCppRuleSet {
  /** The build the rules are for; null = the current release. */
  build: number | null;
  /** "llama.cpp b4615 rules" / "current llama.cpp rules". Shown on the model card. */
  label: string;
  swaCache: boolean;
  splitStreams: boolean;
  serverAutoSlots: boolean;
  ctxPad256: boolean;
  mlaVLess: boolean;
  hybridPerSeq: boolean;
  swaF16UnderQuant: boolean;
  /** Rules this build lacks, as sentences ("before b7108 (#17046): …"), for notes. */
  differences: string[];
}

/**
 * The rule set of a llama.cpp build (`null`/undefined: the current release).
 * Builds are positive integers; anything else is treated as "current" by the caller's validation.
 */
export function llamaCppRuleSet(build?: number | null): LlamaCppRuleSet {
  const has = (id: EngineRule['id']): boolean => {
    const r = LLAMA_CPP_RULES.find((x) => x.id === id)!;
    return inForce(r, build);
  };
  const differences = build === null || build === undefined
    ? []
    : LLAMA_CPP_RULES.filter((r) => r.untilBuild === undefined && build < r.sinceBuild).map((r) => `before b${r.sinceBuild} (${r.pr}): not yet — ${r.what}`);
  if (build !== null && build !== undefined) {
    for (const r of LLAMA_CPP_RULES) {
      if (inForce(r, build) && r.untilBuild !== undefined) differences.push(`b${r.sinceBuild}–b${r.untilBuild - 1} only (${r.pr}, reverted by ${r.revertedBy}): ${r.what}`);
    }
  }
  return {
    build: build ?? null,
    label: build === null || build === undefined ? 'current llama.cpp rules' : `llama.cpp b${build} rules`,
    swaCache: has('swa-cache'),
    splitStreams: has('split-streams'),
    serverAutoSlots: has('server-auto-slots'),
    ctxPad256: has('ctx-pad-256'),
    mlaVLess: has('mla-v-less'),
    hybridPerSeq: has('hybrid-per-seq'),
    swaF16UnderQuant: has('swa-f16'),
    differences,
  };
}

/** llama-server's default slots when `-np` is not given: 4 unified since b6830 (#16736), else 1. */
export function llamaServerDefaultSlots(build?: number | null): { parallel: number; kvUnified: boolean } {
  return llamaCppRuleSet(build).serverAutoSlots ? { parallel: 4, kvUnified: true } : { parallel: 1, kvUnified: false };
}

/** A build number from llama.cpp's `/props` `build_info` ("b7108-4f2a1c3", "7108 (4f2a1c3)"), else null. */
export function buildFromBuildInfo(buildInfo: string | null | undefined): number | null {
  if (!buildInfo) return null;
  const m = /^\s*b?(\d{3,6})\b/.exec(buildInfo);
  return m ? Number(m[1]) : null;
}

/**
 * Ollama versions and the llama.cpp they allocate like. v0.30+ runs a pinned upstream llama-server
 * (`LLAMA_CPP_VERSION` in its Makefile); earlier versions run Ollama's own engine, whose KV cache
 * pads to 256 cells with flash attention and 32 without and splits per slot (`kvcache/causal.go`) —
 * the cell rules of llama.cpp builds before b7108.
 */
const OLLAMA_LLAMA_CPP: readonly { since: [number, number, number]; build: number; note: string }[] = [
  { since: [0, 30, 0], build: 10488, note: 'Ollama ≥ 0.30 runs upstream llama-server b10488' },
  { since: [0, 12, 11], build: 6840, note: "Ollama 0.12.11–0.29 sizes the KV cache with its own engine (256/32-cell padding, one stream per slot), as llama.cpp did before b7108" },
  { since: [0, 0, 0], build: 5900, note: "Ollama ≤ 0.12.10 sizes the KV cache with its own engine (256/32-cell padding, one stream per slot), as llama.cpp did before b7108" },
];

/** The llama.cpp build whose rules an Ollama version follows, or null when the version is unreadable. */
export function buildFromOllamaVersion(version: string | null | undefined): { build: number; note: string } | null {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return null;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  const cmp = (a: readonly number[], b: readonly number[]) => (a[0]! - b[0]!) || (a[1]! - b[1]!) || (a[2]! - b[2]!);
  const hit = OLLAMA_LLAMA_CPP.find((e) => cmp(v, e.since) >= 0)!;
  return { build: hit.build, note: hit.note };
}

/**
 * The llama.cpp build a live server runs, from what it reports: llama.cpp `/props` `build_info`,
 * Ollama's `/api/version`, LM Studio's runtime version when it names a llama.cpp build ("b7108").
 * Null when the server does not say (then the current rules apply, and the card says so).
 */
export function engineBuildOf(kind: string, version: string | null | undefined): { build: number; source: string } | null {
  if (kind === 'llamacpp') {
    const b = buildFromBuildInfo(version);
    return b === null ? null : { build: b, source: `llama.cpp /props build_info ${version}` };
  }
  if (kind === 'ollama') {
    const o = buildFromOllamaVersion(version);
    return o === null ? null : { build: o.build, source: `Ollama ${version}: ${o.note}` };
  }
  if (kind === 'lmstudio') {
    const m = /\bb(\d{3,6})\b/.exec(version ?? '');
    return m ? { build: Number(m[1]), source: `LM Studio runtime ${version}` } : null;
  }
  return null;
}
