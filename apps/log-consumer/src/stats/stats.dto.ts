import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { QueryInteger } from '@scale-chat/platform';
import { IsInstant } from './instant';
import type { StatsBucket, StatsSummary, WordCountView } from '@scale-chat/contracts';

export const BUCKETS = ['minute', 'hour', 'day'] as const;
export type Bucket = (typeof BUCKETS)[number];

export const WINDOWS = { '15m': 15 * 60_000, '1h': 60 * 60_000, '24h': 24 * 60 * 60_000 } as const;
export type Window = keyof typeof WINDOWS;

export const TOP_WORDS_LIMIT = { default: 20, max: 100 } as const;

/** `?bucket=minute|hour|day&from=&to=` */
export class SeriesQuery {
  @ApiPropertyOptional({ enum: BUCKETS, default: 'minute' })
  @IsOptional()
  @IsIn(BUCKETS)
  bucket?: Bucket;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'inclusive; default: one hour (minute), a day (hour) or 30 days (day) before `to`',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'exclusive; default: now' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

/** `?window=15m|1h|24h&limit=` */
export class TopWordsQuery {
  @ApiPropertyOptional({ enum: Object.keys(WINDOWS), default: '1h' })
  @IsOptional()
  @IsIn(Object.keys(WINDOWS))
  window?: Window;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: TOP_WORDS_LIMIT.max,
    default: TOP_WORDS_LIMIT.default,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(TOP_WORDS_LIMIT.max)
  limit?: number;
}

/** `GET /api/stats/summary` takes no parameters: any is a 400, as on the other stats. */
export class SummaryQuery {}

export class SummaryView implements StatsSummary {
  @ApiProperty() users!: number;
  @ApiProperty() rooms!: number;
  @ApiProperty() messages!: number;
  @ApiProperty({ description: 'messages in the last 60 minutes' }) messagesLastHour!: number;
  @ApiProperty({ description: 'signups since 00:00 UTC' }) signupsToday!: number;
}

export class SeriesPoint implements StatsBucket {
  @ApiProperty({ format: 'date-time', description: 'start of the bucket (UTC)' }) t!: string;
  @ApiProperty() count!: number;
}

export class SeriesView {
  @ApiProperty({ type: [SeriesPoint] }) items!: SeriesPoint[];
}

export class WordCount implements WordCountView {
  @ApiProperty() word!: string;
  @ApiProperty() count!: number;
}

export class TopWordsView {
  @ApiProperty({ type: [WordCount] }) items!: WordCount[];
}
