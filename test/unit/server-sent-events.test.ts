import { ServerSentEventParser } from '../../src/client/server-sent-events';

describe('ServerSentEventParser', () => {
  test('joins multi-line data, skips comments, reads retry and carries the last id over', () => {
    const parser = new ServerSentEventParser();
    const events = parser.push(
      'retry: 1500\n\n: keep-alive\n\nevent: status\nid: 3\ndata: {"a":\ndata: 1}\n\ndata:plain\n\n',
    );
    expect(parser.retryMs).toBe(1500);
    expect(events).toEqual([
      { event: 'status', data: '{"a":\n1}', lastEventId: '3' },
      { event: 'message', data: 'plain', lastEventId: '3' },
    ]);
  });

  test('reassembles events split anywhere, CRLF split between chunks included', () => {
    const text = 'event: status\r\nid: 7\r\ndata: {"version":7}\r\n\r\nevent: status\rid: 8\rdata: x\r\r';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new ServerSentEventParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(events.map((e) => [e.lastEventId, e.data])).toEqual([
        ['7', '{"version":7}'],
        ['8', 'x'],
      ]);
    }
  });

  test('dispatches nothing for a block without data, and ignores an id holding NUL', () => {
    const parser = new ServerSentEventParser();
    expect(parser.push('event: status\nid: 4\n\nid: 5\0\ndata: y\n\n')).toEqual([
      { event: 'message', data: 'y', lastEventId: '4' },
    ]);
  });
});
