import { formatIssues, parseConfig } from '../../extraction';
import { invalid } from '../failures';
import type { ExtractionContext } from './context';

/** What the config workflow needs to know of a config: its name and its extractions' ids and names. */
export const createDescribeActivities = ({ deps }: ExtractionContext) => ({
  /** The extractions of a config (all, or those asked for by id or name), for the workflow that runs them. */
  async describeConfig(input: { configId: string; extractionIds?: string[] }): Promise<{ name: string; extractions: { id: string; name: string }[] }> {
    const doc = await deps.configs.find(input.configId);
    if (!doc) throw invalid(`no config with id ${input.configId}`);
    const parsed = parseConfig(JSON.parse(doc.json));
    if (!parsed.ok) throw invalid(`the config is not valid:\n${formatIssues(parsed.errors)}`);
    const all = parsed.config.extractions.map((e) => ({ id: e.id ?? e.name, name: e.name }));
    if (!input.extractionIds?.length) return { name: parsed.config.name, extractions: all };
    const wanted = all.filter((e) => input.extractionIds!.includes(e.id) || input.extractionIds!.includes(e.name));
    if (wanted.length !== input.extractionIds.length) throw invalid(`config ${input.configId} has no extraction ${input.extractionIds.filter((i) => !all.some((e) => e.id === i || e.name === i)).join(', ')}`);
    return { name: parsed.config.name, extractions: wanted };
  },
});
