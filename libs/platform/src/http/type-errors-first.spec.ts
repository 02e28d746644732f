import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  validateSync,
} from 'class-validator';
import { typeErrorsFirst } from './type-errors-first';

class Inner {
  @IsString()
  @MaxLength(3)
  label!: string;
}

class Probe {
  @IsString()
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @IsInt()
  @Min(1)
  @Max(50)
  limit!: number;

  @IsArray()
  @ArrayMaxSize(2)
  tags!: string[];

  @ValidateNested()
  @Type(() => Inner)
  inner!: Inner;
}

const messagesOf = (plain: object) =>
  typeErrorsFirst(validateSync(plainToInstance(Probe, plain))).map((error) => ({
    property: error.property,
    messages: Object.values(error.constraints ?? {}),
    children: (error.children ?? []).map((child) => Object.values(child.constraints ?? {})),
  }));

describe('typeErrorsFirst', () => {
  it('refuses a field of the wrong type for its type alone', () => {
    expect(
      messagesOf({ name: 5, limit: 'abc', tags: 'x', inner: { label: 'ok' } }).map(
        (error) => error.messages,
      ),
    ).toEqual([
      ['name must be a string'],
      ['limit must be an integer number'],
      ['tags must be an array'],
    ]);
  });

  it('keeps every rule a field of the right type breaks', () => {
    expect(messagesOf({ name: ' ', limit: 0, tags: [], inner: { label: 'ok' } })).toEqual([
      { property: 'name', messages: ['name must not be blank'], children: [] },
      { property: 'limit', messages: ['limit must not be less than 1'], children: [] },
    ]);
  });

  it('narrows nested fields alike', () => {
    expect(messagesOf({ name: 'a', limit: 1, tags: [], inner: { label: 7 } })).toEqual([
      { property: 'inner', messages: [], children: [['label must be a string']] },
    ]);
  });

  it('refuses a missing field declared IsDefined for being missing alone', () => {
    class Required {
      @IsDefined({ message: 'query is required' })
      @IsString()
      @MaxLength(3)
      query!: string;
    }
    const messages = (plain: object) =>
      typeErrorsFirst(validateSync(plainToInstance(Required, plain))).map((error) =>
        Object.values(error.constraints ?? {}),
      );
    expect(messages({})).toEqual([['query is required']]);
    expect(messages({ query: 5 })).toEqual([['query must be a string']]);
  });
});
