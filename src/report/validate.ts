/**
 * JSON Schema validation (ajv, draft-07) of the project's own JSON: metrics.json, the key
 * catalogue and the C-behaviour registry. Schemas are read from schemas/ once and cached.
 */
import AjvModule from 'ajv';
import type {ErrorObject, ValidateFunction} from 'ajv';

import {readSchemaJson} from '../trace/project.js';

// ajv is CommonJS: under NodeNext the default import is module.exports, whose .default is the class.
const Ajv = AjvModule.default;

let ajv: InstanceType<typeof Ajv> | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): InstanceType<typeof Ajv> {
  ajv ??= new Ajv({allErrors: true, strict: true, allowUnionTypes: true});
  return ajv;
}

/** Compiled validator for schemas/<name>. */
export function validatorFor(name: string): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    fn = instance().compile(readSchemaJson<object>(name));
    compiled.set(name, fn);
  }
  return fn;
}

export function formatAjvErrors(errors: ErrorObject[] | null | undefined, limit = 5): string {
  if (!errors || errors.length === 0) return 'unknown validation error';
  const parts = errors.slice(0, limit).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
  if (errors.length > limit) parts.push(`… ${errors.length - limit} more`);
  return parts.join('; ');
}

export class SchemaValidationError extends Error {
  constructor(
    readonly schema: string,
    readonly details: string,
  ) {
    super(`does not validate against schemas/${schema}: ${details}`);
    this.name = 'SchemaValidationError';
  }
}

/** Throws SchemaValidationError unless `data` validates against schemas/<name>. */
export function assertValid(name: string, data: unknown): void {
  const fn = validatorFor(name);
  if (!fn(data)) throw new SchemaValidationError(name, formatAjvErrors(fn.errors));
}
