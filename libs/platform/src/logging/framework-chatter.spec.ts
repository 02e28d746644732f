import type { LoggerService } from '@nestjs/common';
import { WithoutFrameworkChatter } from './framework-chatter';

/** Records which method of the logger underneath each call reached, with its arguments. */
function recording(): { logger: LoggerService; calls: [string, ...unknown[]][] } {
  const calls: [string, ...unknown[]][] = [];
  const method =
    (name: string) =>
    (...args: unknown[]) =>
      void calls.push([name, ...args]);
  return {
    calls,
    logger: {
      log: method('log'),
      error: method('error'),
      warn: method('warn'),
      debug: method('debug'),
      verbose: method('verbose'),
      fatal: method('fatal'),
    },
  };
}

describe('WithoutFrameworkChatter', () => {
  it("writes Nest's wiring lines at debug and everything else as it came", () => {
    const { logger, calls } = recording();
    const quiet = new WithoutFrameworkChatter(logger);
    quiet.log('AppModule dependencies initialized', 'InstanceLoader');
    quiet.log('Mapped {/api/rooms, GET} route', 'RouterExplorer');
    quiet.log('RoomsController {/api/rooms}:', 'RoutesResolver');
    quiet.log('ChatGateway subscribed to the "typing" message', 'WebSocketsController');
    quiet.log('Nest application successfully started', 'NestApplication');
    quiet.log('no context');
    quiet.warn('slow', 'InstanceLoader');
    quiet.error('failed', 'stack', 'RouterExplorer');
    quiet.fatal('gone', 'NestFactory');
    expect(calls).toEqual([
      ['debug', 'AppModule dependencies initialized', 'InstanceLoader'],
      ['debug', 'Mapped {/api/rooms, GET} route', 'RouterExplorer'],
      ['debug', 'RoomsController {/api/rooms}:', 'RoutesResolver'],
      ['debug', 'ChatGateway subscribed to the "typing" message', 'WebSocketsController'],
      ['log', 'Nest application successfully started', 'NestApplication'],
      ['log', 'no context'],
      ['warn', 'slow', 'InstanceLoader'],
      ['error', 'failed', 'stack', 'RouterExplorer'],
      ['fatal', 'gone', 'NestFactory'],
    ]);
  });
});
