import { routeOf, socketUrl } from './settings';

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

describe('routeOf', () => {
  it('knows the admin page and takes anything else for the chat', () => {
    expect(routeOf('#/admin')).toBe('admin');
    expect(routeOf('')).toBe('chat');
    expect(routeOf('#/admin/x')).toBe('chat');
  });
});
