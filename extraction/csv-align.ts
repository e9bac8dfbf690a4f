/**
 * Realigning a CSV whose columns grew while it was written (writers.ts: a key first seen after the header went
 * out). New columns are only ever appended, so a row written earlier is a prefix of the full row: it needs the new
 * header and as many empty cells as it lacks, nothing else. The text passes through chunk by chunk (memory is one
 * chunk), and every byte but the header and the padding comes out as it went in, so the cells are never parsed
 * nor quoted again. Reading the rows relies on the writer's quoting: a cell holding a quote, the separator or a
 * line break is quoted, with quotes doubled.
 */
import { csvHeader, type CsvWriterState } from './writers';

const QUOTE = 0x22;
const LF = 0x0a;

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

export class CsvRealigner {
  private readonly header: string;
  private readonly width: number;
  private readonly separator: string;
  private readonly sepCode: number;
  private inHeader = true;
  private quoted = false;
  /** Cells of the current row so far: one more than its separators outside quotes. */
  private cells = 1;
  private rowStarted = false;
  private seen = false;
  /** A high surrogate that ended a chunk, held so a separator outside the BMP is never cut in two. */
  private carry = '';

  constructor(state: Pick<CsvWriterState, 'columns' | 'separator'>) {
    const columns = state.columns ?? [];
    this.header = csvHeader({ columns, separator: state.separator });
    this.width = columns.length;
    this.separator = state.separator;
    this.sepCode = state.separator.charCodeAt(0);
  }

  /** The realigned text of the next chunk. */
  push(chunk: string): string {
    let text = this.carry + chunk;
    this.carry = '';
    if (text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1))) {
      this.carry = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text.length > 0) this.seen = true;
    const sep = this.separator;
    let out = '';
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === LF && !this.quoted) {
        if (this.inHeader) {
          this.inHeader = false;
          out += this.header;
          from = i + 1;
        } else if (this.cells < this.width) {
          out += text.slice(from, i) + sep.repeat(this.width - this.cells);
          from = i;
        }
        this.cells = 1;
        this.rowStarted = false;
        continue;
      }
      this.rowStarted = true;
      if (c === QUOTE) this.quoted = !this.quoted;
      else if (!this.quoted && c === this.sepCode && (sep.length === 1 || text.startsWith(sep, i))) {
        this.cells++;
        i += sep.length - 1;
      }
    }
    return this.inHeader ? out : out + text.slice(from);
  }

  /** The end of the text: a last row without a line break is padded too. */
  end(): string {
    const rest = this.carry;
    this.carry = '';
    if (rest) {
      this.seen = true;
      if (!this.inHeader) this.rowStarted = true;
    }
    if (this.inHeader) return this.seen ? this.header : '';
    const short = this.rowStarted && this.cells < this.width;
    this.rowStarted = false;
    return rest + (short ? this.separator.repeat(this.width - this.cells) : '');
  }
}
