import { BadRequestException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/**
 * A body is a JSON object (API.md): a list sent where an endpoint takes a body is told so,
 * as `null` or a number is (`json-bodies.ts`), not given one "should not exist" per index
 * or the field errors of an empty object.
 */
export class RequireObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && metadata.data === undefined && Array.isArray(value))
      throw new BadRequestException('The request body must be a JSON object');
    return value;
  }
}
