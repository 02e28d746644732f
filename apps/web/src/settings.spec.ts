import { hashOf, routeOf, socketUrl } from './settings';

const at = (url: string) => socketUrl(new URL(url));

describe('socketUrl', () => {
  it('is the page itself (the edge) without a setting', () => {
    expect(at('http://127.0.0.1:8080/')).toBeUndefined();
  });

  it('points at a port of the page host with ?gatewayPort', () => {
    expect(at('http://127.0.0.1:8080/?gatewayPort=3012')).toBe('http://127.0.0.1:3012');
    expect(at('https://chat.example.com/?gatewayPort=443#/admin')).toBe(
      'https://chat.example.com:443',
    );
  });

  it.each([
    'evil.example.com',
    '//evil.example.com',
    '3012@evil.example.com',
    '3012/x',
    '0',
    '65536',
    '',
    ' 3012',
  ])('never sends the socket (and its token) elsewhere: gatewayPort=%j is ignored', (value) => {
    expect(at(`http://127.0.0.1:8080/?gatewayPort=${encodeURIComponent(value)}`)).toBeUndefined();
  });
});

describe('routeOf and hashOf', () => {
  const id = '1f0e8c57-3d9b-4a8e-8f7c-2b1d3c4e5f60';

  it('knows the admin page, a room, and takes anything else for the room list', () => {
    expect(routeOf('#/admin')).toEqual({ page: 'admin' });
    expect(routeOf(`#/rooms/${id}`)).toEqual({ page: 'chat', roomId: id });
    expect(routeOf('')).toEqual({ page: 'chat', roomId: null });
    expect(routeOf('#/')).toEqual({ page: 'chat', roomId: null });
    expect(routeOf('#/admin/x')).toEqual({ page: 'chat', roomId: null });
  });

  it.each([`#/rooms/${id}/x`, '#/rooms/', '#/rooms/../admin', '#/rooms/<script>'])(
    'takes %j for no room',
    (hash) => {
      expect(routeOf(hash)).toEqual({ page: 'chat', roomId: null });
    },
  );

  it('round-trips a room through its hash', () => {
    expect(routeOf(hashOf(id))).toEqual({ page: 'chat', roomId: id });
    expect(hashOf(null)).toBe('#/');
  });
});
