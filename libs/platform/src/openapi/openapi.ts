import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export interface OpenApiOptions {
  readonly title: string;
  readonly description: string;
  /** Where the docs are served, under a prefix the edge routes to the service. */
  readonly path: string;
}

/**
 * Serves the service's OpenAPI document at `<path>/openapi.json` and a browsable UI at
 * `<path>`, both through the edge. Bearer authentication is declared for the routes
 * that use it.
 */
export function setUpOpenApi(app: INestApplication, options: OpenApiOptions): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup(options.path, app, document, {
    jsonDocumentUrl: `${options.path}/openapi.json`,
  });
}
