import { formatIssues, parseConfig, runOrder } from '../../extraction';
import { invalid } from '../failures';
import type { ExtractionContext } from './context';

/** One extraction of a config as the config workflow runs it; `parent` is the id of the extraction it runs after. */
export interface PlannedExtraction {
  id: string;
  name: string;
  parent?: string;
}

/** What the config workflow needs to know of a config: its name and its extractions' ids and names. */
export const createDescribeActivities = ({ deps }: ExtractionContext) => ({
  /**
   * The extractions of a config (all, or those asked for by id or name, with the parents they need), in the order
   * they run: config order, a child after its parent.
   */
  async describeConfig(input: { configId: string; extractionIds?: string[] }): Promise<{ name: string; extractions: PlannedExtraction[] }> {
    const doc = await deps.configs.find(input.configId);
    if (!doc) throw invalid(`no config with id ${input.configId}`);
    const parsed = parseConfig(JSON.parse(doc.json));
    if (!parsed.ok) throw invalid(`the config is not valid:\n${formatIssues(parsed.errors)}`);
    const ordered = runOrder(parsed.config.extractions);
    const idOf = (name: string): string => {
      const e = ordered.find((x) => x.name === name);
      return e?.id ?? name;
    };
    const all: (PlannedExtraction & { parentName?: string })[] = ordered.map((e) => ({
      id: e.id ?? e.name,
      name: e.name,
      ...(e.parent ? { parent: idOf(e.parent.extraction), parentName: e.parent.extraction } : {}),
    }));
    const plain = ({ parentName: _, ...e }: PlannedExtraction & { parentName?: string }): PlannedExtraction => e;
    if (!input.extractionIds?.length) return { name: parsed.config.name, extractions: all.map(plain) };
    const asked = all.filter((e) => input.extractionIds!.includes(e.id) || input.extractionIds!.includes(e.name));
    if (asked.length !== input.extractionIds.length) throw invalid(`config ${input.configId} has no extraction ${input.extractionIds.filter((i) => !all.some((e) => e.id === i || e.name === i)).join(', ')}`);
    // A child reads its parent's records of this config run: its parents run too.
    const wanted = new Set(asked.map((e) => e.name));
    for (const e of [...asked]) {
      for (let p = e.parentName; p !== undefined && !wanted.has(p); p = all.find((x) => x.name === p)?.parentName) wanted.add(p);
    }
    return { name: parsed.config.name, extractions: all.filter((e) => wanted.has(e.name)).map(plain) };
  },
});
