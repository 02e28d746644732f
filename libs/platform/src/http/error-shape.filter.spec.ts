import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { errorResponse } from './error-shape.filter';

const errorBody = (exception: unknown) => errorResponse(exception).body;

describe('errorBody', () => {
  it("keeps an HTTP exception's status and message", () => {
    expect(errorBody(new NotFoundException('User not found'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'User not found',
    });
    expect(errorBody(new ForbiddenException())).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Forbidden',
    });
  });

  it('keeps the list of validation messages', () => {
    expect(
      errorBody(new BadRequestException(['name must be a string', 'x should not exist'])),
    ).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['name must be a string', 'x should not exist'],
    });
  });

  it('gives body-parser errors their status', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      status: 413,
      expose: true,
    });
    expect(errorBody(tooLarge)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'request entity too large',
    });
  });

  it('keeps a body its thrower chose, such as a failed health check', () => {
    const report = { status: 'error', info: {}, error: { kafka: { status: 'down' } }, details: {} };
    expect(errorResponse(new ServiceUnavailableException(report))).toEqual({
      statusCode: 503,
      body: report,
    });
    const shuttingDown = { status: 'shutting_down', details: {} };
    expect(errorResponse(new ServiceUnavailableException(shuttingDown))).toEqual({
      statusCode: 503,
      body: shuttingDown,
    });
  });

  it('puts any other body of an exception of its own in the shape', () => {
    expect(errorResponse(new HttpException({ reason: 'mine' }, 409))).toEqual({
      statusCode: 409,
      body: { statusCode: 409, error: 'Conflict', message: 'Http Exception' },
    });
    expect(errorResponse(new HttpException({ message: { nested: true } }, 400))).toEqual({
      statusCode: 400,
      body: { statusCode: 400, error: 'Bad Request', message: 'Http Exception' },
    });
  });

  it('answers 503, worth another try, when the database cannot do the work now', () => {
    const unavailable = {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The service cannot answer now; please try again',
    };
    expect(errorBody(new Error('timeout exceeded when trying to connect'))).toEqual(unavailable);
    expect(errorBody(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toEqual(
      unavailable,
    );
  });

  it('hides everything else behind a 500', () => {
    expect(errorBody(new Error('connection to 10.0.0.5 refused'))).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
    expect(errorResponse(undefined).statusCode).toBe(500);
  });
});
