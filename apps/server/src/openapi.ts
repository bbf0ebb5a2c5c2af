import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI document served at /openapi.json (and by Swagger UI at /docs), derived from the controllers. */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Quarry')
      .setDescription('Search for agents and apps')
      .setVersion('1')
      .build(),
  );
}
