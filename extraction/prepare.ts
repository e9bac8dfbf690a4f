/**
 * References outside endpoints (s3_destiny, transformation params, data_key ...) are resolved once per run
 * with prepareExtraction(). Endpoints are left as templates: requestFor / detailRequest resolve them per
 * request, so a refreshed token is picked up and `record::` sees each record. The prepared extraction may
 * hold secret values: keep it in memory, never in workflow input, output or heartbeats.
 */
import { extractionSchema, type Extraction } from './config';
import { resolveValue, type ReferenceContext } from './references';
import { err, isPlainObject, ok, type Result } from './result';

export function prepareExtraction(extraction: Extraction, ctx: ReferenceContext): Result<Extraction> {
  const { endpoint, mapping_fetch, ...rest } = extraction;
  const resolved = resolveValue(rest, ctx);
  if (!resolved.ok) return err(resolved.error);
  if (!isPlainObject(resolved.value)) return err('extraction is not an object');
  const candidate: Record<string, unknown> = { ...resolved.value, endpoint };
  if (mapping_fetch) {
    const { endpoint: detailEndpoint, ...mrest } = mapping_fetch;
    const m = resolveValue(mrest, ctx);
    if (!m.ok) return err(`mapping_fetch.${m.error}`);
    if (!isPlainObject(m.value)) return err('mapping_fetch is not an object');
    candidate.mapping_fetch = { ...m.value, endpoint: detailEndpoint };
  }
  const parsed = extractionSchema.safeParse(candidate);
  if (!parsed.success) return err(`after resolving references: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return ok(parsed.data);
}
