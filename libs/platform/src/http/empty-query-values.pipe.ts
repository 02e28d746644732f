import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/**
 * A query parameter given with no value (`?afterSeq=&limit=20`, as API.md writes its
 * templates) is taken as absent, not as `""` (which a number would read as 0).
 */
@Injectable()
export class EmptyQueryValuesAbsentPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'query' || typeof value !== 'object' || value === null) return value;
    if (metadata.data !== undefined) return value;
    return Object.fromEntries(Object.entries(value).filter(([, given]) => given !== ''));
  }
}
