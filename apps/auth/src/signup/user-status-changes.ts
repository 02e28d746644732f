import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource, QueryRunner } from 'typeorm';

interface Notification {
  readonly channel: string;
  readonly payload?: string;
}

interface ListeningClient {
  on(event: 'notification', listener: (message: Notification) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

const RECONNECT_MS = 1_000;

/**
 * Tells waiters when a user's status changes (PostgreSQL `LISTEN user_status`, fed by a
 * trigger), so a signup answers as soon as its saga ends instead of polling. A lost
 * connection is opened again; waiters also look again on their own now and then, so
 * nothing depends on a notification arriving.
 */
@Injectable()
export class UserStatusChanges implements OnModuleInit, OnApplicationShutdown {
  private readonly waiters = new Map<string, Set<() => void>>();
  private runner: QueryRunner | undefined;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const runner = this.runner;
    if (runner === undefined) return;
    await runner.query('UNLISTEN user_status');
    await runner.release();
  }

  /** Resolves at the next change of `userId`'s status, or after `timeoutMs`. */
  next(userId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.waiters.get(userId) ?? new Set();
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.waiters.delete(userId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
      this.waiters.set(userId, waiters);
    });
  }

  private async listen(): Promise<void> {
    try {
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      const client = (runner as unknown as { databaseConnection: ListeningClient })
        .databaseConnection;
      client.on('notification', (message) => {
        if (message.channel !== 'user_status' || message.payload === undefined) return;
        for (const wake of [...(this.waiters.get(message.payload) ?? [])]) wake();
      });
      client.on('error', (error) => this.reconnect(error));
      await runner.query('LISTEN user_status');
      this.runner = runner;
    } catch (error) {
      this.reconnect(error);
    }
  }

  private reconnect(error: unknown): void {
    if (this.stopped) return;
    this.logger.warn({ err: error }, 'user status notifications lost; listening again shortly');
    const lost = this.runner;
    this.runner = undefined;
    lost
      ?.release()
      .catch((releaseError: unknown) =>
        this.logger.debug({ err: releaseError }, 'releasing the lost listener failed'),
      );
    setTimeout(() => void this.listen(), RECONNECT_MS).unref();
  }
}
