/** One dispatched Server-Sent Event, as the WHATWG event stream format defines it. */
export interface ServerSentEvent {
  /** `message` when the stream names none. */
  event: string;
  /** Every `data:` line of the event, joined with `\n`. */
  data: string;
  /** The last event id seen on the stream (ids carry over to later events without one). */
  lastEventId: string;
}

/**
 * An incremental parser of `text/event-stream`: feed it decoded text as it arrives, in any
 * chunking, and it returns the events it completed. Lines end in LF, CR or CRLF; comments (`:`)
 * are skipped; multi-line `data:` is joined with `\n`; `retry:` sets {@link retryMs}; an `id`
 * containing NUL is ignored; a block without data dispatches nothing.
 */
export class ServerSentEventParser {
  /** The server's `retry:` (ms), if it sent one. */
  retryMs: number | undefined;
  lastEventId = '';
  private buffer = '';
  private pendingCr = false;
  private eventName = '';
  private dataLines: string[] = [];

  push(text: string): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    let input = text;
    // A CR at the end of the previous chunk and an LF at the start of this one are one line break.
    if (this.pendingCr && input.startsWith('\n')) input = input.slice(1);
    this.pendingCr = false;
    this.buffer += input;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A trailing CR may be the first half of a CRLF: wait for the next chunk to know.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        this.pendingCr = true;
        const line = this.buffer.slice(0, match.index);
        this.buffer = '';
        this.line(line, events);
        break;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line, events);
    }
    return events;
  }

  private line(line: string, events: ServerSentEvent[]): void {
    if (line === '') {
      if (this.dataLines.length > 0) {
        events.push({
          event: this.eventName || 'message',
          data: this.dataLines.join('\n'),
          lastEventId: this.lastEventId,
        });
      }
      this.eventName = '';
      this.dataLines = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.dataLines.push(value);
    else if (field === 'id') {
      if (!value.includes('\0')) this.lastEventId = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}
