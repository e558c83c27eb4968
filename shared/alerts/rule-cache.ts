/**
 * Rules are data that depend only on the settings and on which GPU, server, model or slot they
 * watch; the checks ask for the same ones every tick. Built once per settings object and rule
 * id, they are reused (issue 12: the alert engine was the largest allocator of every tick).
 * A settings change is a new settings object: every rule is built afresh from it.
 */
import type { AlertRule } from './rules';

const MAX_RULES_PER_SETTINGS = 4096;
const cache = new WeakMap<object, Map<string, AlertRule>>();

/** The rule `id` under `settings`: built by `build` the first time, the same object after. */
export function cachedRule(settings: object, id: string, build: (id: string) => AlertRule): AlertRule {
  let rules = cache.get(settings);
  if (!rules) cache.set(settings, (rules = new Map()));
  const hit = rules.get(id);
  if (hit) return hit;
  const rule = build(id);
  if (rule.id !== id) throw new Error(`rule cache: built ${rule.id} for ${id}`);
  // Servers and models come and go for hours under one settings object: bounded.
  if (rules.size >= MAX_RULES_PER_SETTINGS) rules.clear();
  rules.set(id, rule);
  return rule;
}
