import { Injectable, NotFoundException, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@scale-chat/contracts';

/**
 * A path id that is not a UUID names nothing: 404 with the message an unknown id gets,
 * as API.md answers for ids, rather than a 400 for its form (`@Param('id', new
 * ParseIdPipe('Room not found'))`). A UUID in upper case is the same id, handled
 * lower-case from here on (the rule of `IsId`).
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  constructor(private readonly notFound: string) {}

  transform(value: string): string {
    if (!isUuid(value)) throw new NotFoundException(this.notFound);
    return value.toLowerCase();
  }
}
