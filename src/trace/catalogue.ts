/**
 * The key catalogue (schemas/trace-keys.json) and the registry of known C behaviours
 * (schemas/c-behaviours.json). Both are validated against their schemas when first loaded.
 */
import {assertValid} from '../report/validate.js';
import {readSchemaJson} from './project.js';

export type KeyKind = 'scalar' | 'vector3' | 'integer' | 'matrix3' | 'pairs' | 'text';
export type KeyScope = 'pixel' | 'setup' | 'diagnostic';

export interface KeySpec {
  key: string;
  kind: KeyKind;
  unit: string;
  stage: string;
  scope?: KeyScope;
  components?: number;
  atol?: number;
  description: string;
}

export interface StageSpec {
  id: string;
  description: string;
}

export interface Catalogue {
  version: number;
  stages: StageSpec[];
  keys: KeySpec[];
}

/** A key's catalogue entry plus its position in pipeline order. */
export interface ResolvedKey {
  key: string;
  kind: KeyKind;
  unit: string;
  stage: string;
  scope: KeyScope;
  components: number;
  atol: number | null;
  order: number;
  known: boolean;
}

export class KeyCatalogue {
  private readonly byKey = new Map<string, ResolvedKey>();
  private readonly unknown = new Map<string, ResolvedKey>();

  constructor(readonly data: Catalogue) {
    data.keys.forEach((k, i) => {
      this.byKey.set(k.key, {
        key: k.key,
        kind: k.kind,
        unit: k.unit,
        stage: k.stage,
        scope: k.scope ?? 'pixel',
        components: k.components ?? defaultComponents(k.kind),
        atol: k.atol ?? null,
        order: i,
        known: true,
      });
    });
  }

  get(key: string): ResolvedKey | undefined {
    return this.byKey.get(key) ?? this.unknown.get(key);
  }

  /**
   * The entry for `key`, inventing one for keys the catalogue does not list: they sort after
   * every catalogued key, in the order they are first met; their kind comes from the value.
   */
  resolve(key: string, hint: {scope: KeyScope; components: number | null; numeric: boolean}): ResolvedKey {
    const found = this.get(key);
    if (found) return found;
    const n = hint.components ?? 0;
    const kind: KeyKind = !hint.numeric ? 'text' : n === 1 ? 'scalar' : n === 3 ? 'vector3' : n === 9 ? 'matrix3' : 'vector3';
    const entry: ResolvedKey = {
      key,
      kind,
      unit: '',
      stage: hint.scope === 'setup' ? 'setup' : 'unknown',
      scope: hint.scope,
      components: Math.max(n, 1),
      atol: null,
      order: this.data.keys.length + this.unknown.size,
      known: false,
    };
    this.unknown.set(key, entry);
    return entry;
  }

  stageDescription(id: string): string | undefined {
    return this.data.stages.find((s) => s.id === id)?.description;
  }

  /** Every key that carries its own absolute floor: key -> atol. */
  keyAtols(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of this.data.keys) if (k.atol !== undefined) out[k.key] = k.atol;
    return out;
  }
}

function defaultComponents(kind: KeyKind): number {
  switch (kind) {
    case 'vector3':
      return 3;
    case 'matrix3':
      return 9;
    default:
      return 1;
  }
}

/** Fresh catalogue (unknown-key bookkeeping is per instance: use one per comparison). */
export function loadCatalogue(): KeyCatalogue {
  const data = readSchemaJson<Catalogue>('trace-keys.json');
  assertValid('trace-keys.schema.json', data);
  return new KeyCatalogue(data);
}

// ---------------------------------------------------------------------------------------------
// Known C behaviours

export interface PhiZeroRepeatDetector {
  type: 'phi-zero-repeat';
  zero_angle_deg: number;
  affected_keys: string[];
}

export interface SetupRatioDetector {
  type: 'setup-ratio';
  key: string;
  components: number[];
  ratio: number;
}

/** An image detector (src/images/openmp.ts): differing pixels only at C thread-block starts. */
export interface ThreadBlockStartsDetector {
  type: 'thread-block-starts';
  schedule: 'static';
}

export interface KnownBehaviour {
  id: string;
  title: string;
  severity: 'low' | 'medium' | 'high';
  summary: string;
  detector: PhiZeroRepeatDetector | SetupRatioDetector | ThreadBlockStartsDetector | null;
  confirm: {reference_side: string; test_side: string; expect: string} | null;
  sources: string[];
}

export interface BehaviourRegistry {
  version: number;
  behaviours: KnownBehaviour[];
}

let registryCache: BehaviourRegistry | undefined;

export function loadBehaviours(): BehaviourRegistry {
  if (registryCache) return registryCache;
  const data = readSchemaJson<BehaviourRegistry>('c-behaviours.json');
  assertValid('c-behaviours.schema.json', data);
  registryCache = data;
  return data;
}
