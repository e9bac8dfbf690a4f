import { describe, expect, it } from 'vitest';
import { csvCell, CsvRealigner, newWriterState, RecordWriter, type CsvWriterState, type WriterState } from '../../../extraction';
import { parseCsv } from '../../helpers/extraction';
import { extraction } from './helpers';

const csvState = (columns: string[], separator = ','): Pick<CsvWriterState, 'columns' | 'separator'> => ({ columns, separator });

/** Realigns `text` fed in the given chunks. */
function realign(text: string, state: Pick<CsvWriterState, 'columns' | 'separator'>, cuts: number[] = []): string {
  const r = new CsvRealigner(state);
  let out = '';
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out += r.push(text.slice(from, cut));
    from = cut;
  }
  return out + r.end();
}

/** Writes pages of records the way fetchPages does: each page by a writer resumed from the JSON state (a new part). */
function writePages(pages: Record<string, unknown>[][], fields: Record<string, unknown> = {}): { text: string; state: CsvWriterState } {
  let state: WriterState = newWriterState(extraction({ format: 'csv', ...fields }));
  let text = '';
  for (const page of pages) {
    const w = new RecordWriter(JSON.parse(JSON.stringify(state)) as WriterState);
    text += w.begin() + w.write(page);
    state = w.state;
  }
  const w = new RecordWriter(state);
  text += w.end();
  return { text, state: w.state as CsvWriterState };
}

describe('CsvRealigner', () => {
  it('replaces the header and pads short rows with empty cells', () => {
    expect(realign('a,b\n1,2\n4,3,5\n', csvState(['a', 'b', 'c']))).toBe('a,b,c\n1,2,\n4,3,5\n');
  });
  it('counts cells outside quotes only: separators, quotes and line breaks inside a quoted cell', () => {
    const text = 'a;b\n"x;y";"say ""hi"""\n"line\none";2\n';
    expect(realign(text, csvState(['a', 'b', 'c', 'd'], ';'))).toBe('a;b;c;d\n"x;y";"say ""hi""";;\n"line\none";2;;\n');
  });
  it('gives the same bytes however the text is cut into chunks', () => {
    const text = 'id,name\n1,"a,""b"""\n"2\n",\n3,c,d\n\n';
    const whole = realign(text, csvState(['id', 'name', 'x']));
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) expect(realign(text, csvState(['id', 'name', 'x']), [i, j])).toBe(whole);
    }
  });
  it('a separator outside the BMP cut between chunks still counts as one', () => {
    const text = 'a\n1𝄞2\n3\n';
    for (let i = 0; i <= text.length; i++) expect(realign(text, csvState(['a', 'b', 'c'], '𝄞'), [i])).toBe('a𝄞b𝄞c\n1𝄞2𝄞\n3𝄞𝄞\n');
  });
  it('an empty line is a row of one empty cell', () => {
    expect(realign('a\n\nx\n', csvState(['a', 'b', 'c']))).toBe('a,b,c\n,,\nx,,\n');
  });
  it('is idempotent: an aligned file comes out unchanged', () => {
    const once = realign('a,b\n1,2\n4,3,5\n', csvState(['a', 'b', 'c']));
    expect(realign(once, csvState(['a', 'b', 'c']))).toBe(once);
  });
  it('a quoted header cell with a separator is replaced whole', () => {
    expect(realign('"a,b"\n1\n', csvState(['a,b', 'c']))).toBe('"a,b",c\n1,\n');
  });
  it('a last row without a line break is padded too', () => {
    expect(realign('a\n1', csvState(['a', 'b']))).toBe('a,b\n1,');
  });
});

describe('CSV without a data_schema: every column any record has', () => {
  it('pages whose records bring new keys give one header with every column, each row aligned to it', () => {
    const pages = [[{ a: 1 }], [{ a: 2, b: 3 }], [{ c: 'x;y', a: 4 }, { b: 'line\nbreak' }], [{ a: 5 }]];
    const { text, state } = writePages(pages);
    expect(state.columns).toEqual(['a', 'b', 'c']);
    const [header, ...rows] = parseCsv(realign(text, state));
    expect(header).toEqual(['a', 'b', 'c']);
    const expected = pages.flat().map((r) => ['a', 'b', 'c'].map((k) => csvCell((r as Record<string, unknown>)[k])));
    expect(rows).toEqual(expected);
  });
  it('with a separator other than a comma', () => {
    const { text, state } = writePages([[{ a: 'p,q' }], [{ b: 1, a: 'r;s' }]], { output_params: { csv_separator: ';' } });
    expect(parseCsv(realign(text, state), ';')).toEqual([['a', 'b'], ['p,q', ''], ['r;s', '1']]);
  });
});
